package dev.torchsd.bench;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.tensor.LibTorch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * This machine's fp32 matrix-multiply rate through libtorch: the best of a few square
 * {@code n x n} products (2n^3 operations each). The best, not the median, because it estimates
 * what the hardware can do, the ceiling a U-Net step is measured against.
 *
 * <p>libtorch hands a plain product to its BLAS (JavaCPP's OpenBLAS, pthreads build), whose thread
 * count is fixed when the process starts ({@code OPENBLAS_NUM_THREADS}; the preset has no call to
 * change it). {@code bin/torchsd} sets it to 1, so {@link #measure} in that process runs on one
 * core; {@link #measureAllCores} runs the same measurement in a child JVM whose OpenBLAS has one
 * thread per core: the machine's rate.
 */
public final class GemmRate {
    private static final long CHILD_TIMEOUT_MINUTES = 10;

    private GemmRate() {}

    /**
     * Operations per second of the fastest of {@code repeats} products of size n (after one warm-up)
     * on this process's threads.
     */
    public static double measure(int n, int repeats) {
        LibTorch.ensureLoaded();
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n);
            Tensor b = torch.randn(n, n);
            torch.mm(a, b).close();
            long best = Long.MAX_VALUE;
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                Tensor c = torch.mm(a, b);
                best = Math.min(best, System.nanoTime() - start);
                c.close();
            }
            return 2.0 * n * n * n / (best / 1e9);
        }
    }

    /**
     * {@link #measure} in a child JVM with {@code OPENBLAS_NUM_THREADS} = the cores (and sleeping
     * OpenMP threads, which must not take the cores from OpenBLAS's): the rate of all cores.
     *
     * @throws TorchsdException if the child cannot be started, fails or prints no rate
     */
    public static double measureAllCores(int n, int repeats) {
        String cores = Integer.toString(Runtime.getRuntime().availableProcessors());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder child = new ProcessBuilder(List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                GemmRate.class.getName(),
                Integer.toString(n),
                Integer.toString(repeats)));
        child.environment().put("OPENBLAS_NUM_THREADS", cores);
        child.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        child.redirectError(ProcessBuilder.Redirect.INHERIT);
        Path output = null;
        Process p = null;
        try {
            // The rate goes to a file, not a pipe: reading a pipe would block past the timeout if the child hangs.
            output = Files.createTempFile("torchsd-gemm-rate", ".txt");
            child.redirectOutput(output.toFile());
            p = child.start();
            if (!p.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                throw new TorchsdException("the all-cores matrix-multiply child JVM did not finish in "
                        + CHILD_TIMEOUT_MINUTES + " minutes");
            }
            String out = Files.readString(output, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new TorchsdException(
                        "the all-cores matrix-multiply child JVM exited with " + p.exitValue() + ": " + out);
            }
            return Double.parseDouble(out);
        } catch (IOException e) {
            throw new TorchsdException("cannot start the all-cores matrix-multiply child JVM (" + java + ")", e);
        } catch (NumberFormatException e) {
            throw new TorchsdException("the all-cores matrix-multiply child JVM printed no rate", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TorchsdException("interrupted while measuring the all-cores matrix-multiply rate", e);
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a leftover temporary file of a few bytes
                }
            }
        }
    }

    /**
     * The child JVM of {@link #measureAllCores}: prints {@link #measure}'s operations per second.
     *
     * @param args n and repeats
     */
    public static void main(String[] args) {
        System.out.println(measure(Integer.parseInt(args[0]), Integer.parseInt(args[1])));
    }
}
