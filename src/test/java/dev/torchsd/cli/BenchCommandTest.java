package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.tensor.LibTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code torchsd bench} through the real command line on the built-in model: what it reports and
 * how it refuses bad settings (its numbers are measurements, not asserted).
 */
class BenchCommandTest {

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    @Test
    void reportsStepsNetworksMemoryAndTheFloor() {
        var run = run(
                "bench",
                "--steps",
                "2",
                "--scheduler",
                "EulerDiscreteScheduler",
                "--warmup",
                "1",
                "--runs",
                "2",
                "--gemm-size",
                "64");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("model torchsd-shapes (built-in), 64x64, 2 steps, guidance 7.5 (U-Net batch 2 per image)")
                .contains("attention formula")
                .contains("note: this export spells attention out")
                .contains("  generation 1: ")
                .contains("  generation 2: ")
                .containsPattern("step: [0-9.]+ s \\(median of 2 steps\\); U-Net call [0-9.]+ s \\(mean of 4\\)")
                .containsPattern("Java overhead: [0-9.]+ % of a generation")
                .containsPattern(
                        "matrix multiply 64\\^2: [0-9.]+ GFLOP/s in this process \\(OPENBLAS_NUM_THREADS=[^)]*\\),"
                                + " [0-9.]+ GFLOP/s with \\d+ OpenBLAS threads \\(a child JVM\\)")
                .contains("floor: U-Net 0.4 GFLOP per call (batch 2); at ");
        // no growth of live native objects (fewer is fine: garbage of earlier tests may be freed meanwhile)
        java.util.regex.Matcher pointers = java.util.regex.Pattern.compile(
                        "after generation 1 -> 2: .* live JavaCPP pointers (\\d+) -> (\\d+)")
                .matcher(run.out());
        assertThat(pointers.find()).as(run.out()).isTrue();
        assertThat(Long.parseLong(pointers.group(2))).isLessThanOrEqualTo(Long.parseLong(pointers.group(1)));
    }

    @Test
    void withoutGuidanceTheUNetBatchIsOne() {
        var run = run("bench", "--steps", "2", "--guidance", "1", "--warmup", "0", "--runs", "1", "--gemm-size", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("(U-Net batch 1 per image)").doesNotContain("floor:");
    }

    @Test
    void comparesBatchSizesPerImage() {
        var run = run(
                "bench", "--steps", "2", "--warmup", "0", "--runs", "1", "--gemm-size", "0", "--batch-sizes", "1,2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("batch size 1:")
                .contains("batch size 2:")
                .containsPattern("first step: U-Net [0-9.]+ s = [0-9.]+x the measured mean call; done [0-9.]+ s after"
                        + " the load began")
                .containsPattern("throughput \\(median generation / batch size\\): batch 1 [0-9.]+ s per image"
                        + " \\(1.00x batch 1\\); batch 2 [0-9.]+ s per image \\([0-9.]+x batch 1\\)");
    }

    @Test
    void refusesTooFewSteps() {
        var run = run("bench", "--steps", "1");
        assertThat(run.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(run.err()).contains("error: bench needs --steps >= 2");
    }
}
