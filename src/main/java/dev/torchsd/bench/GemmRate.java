package dev.torchsd.bench;

import dev.torchsd.tensor.LibTorch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * This machine's fp32 matrix-multiply rate through libtorch: the best of a few square
 * {@code n x n} products (2n^3 operations each) on libtorch's current threads. The best, not
 * the median, because it estimates what the hardware can do, the ceiling a U-Net step is
 * measured against.
 */
public final class GemmRate {
    static {
        LibTorch.ensureLoaded();
    }

    private GemmRate() {}

    /** Operations per second of the fastest of {@code repeats} products of size n (after one warm-up). */
    public static double measure(int n, int repeats) {
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
}
