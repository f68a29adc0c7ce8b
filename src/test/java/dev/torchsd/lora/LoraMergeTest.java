package dev.torchsd.lora;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestPython;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generating with a LoRA file equals generating with the model merged offline by an independent
 * Python merge (native/tests/lora_files.py: AUTOMATIC1111's formulas, einsum, the exporter's own
 * name map) of the same random file, for every format; and the base model comes back bit for bit.
 *
 * <p>Tolerances: both sides compute W₀ + factor · ΔW in float32 but ΔW by different routes (matmul
 * here, einsum / conv2d there), so merged weights differ by float32 rounding (measured: kohya LoRA
 * bit-identical, LoKr 3e-8, LoHa 2e-7 of the largest weight); the random LoRAs change the network a
 * lot, which amplifies that through 4 denoising steps (measured: up to 1.3e-5 of the largest latent
 * for LoKr), so latents are compared by norm: ‖ours − theirs‖ ≤ 1e-5 ‖theirs‖; pixels are those
 * latents decoded and rounded to 8 bits: at most one level apart.
 */
class LoraMergeTest {
    static final double TE = 0.7;
    static final double UNET = 0.5;

    @TempDir
    static Path dir;

    static StableDiffusion sd;

    @BeforeAll
    static void load() throws Exception {
        TestPython.assumeTorch("LoRA merges were not checked against the Python merge");
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    static GenerationRequest request() {
        return GenerationRequest.builder("a large yellow triangle on the left, blue background")
                .seed(42)
                .steps(4)
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora", "locon", "loha", "lokr", "peft"})
    void equalsTheOfflineMerge(String format) throws Exception {
        Path lora = LoraFiles.make(dir, format, format, 1);
        GenerationResult base = sd.generate(request());
        GenerationResult withLora = sd.generate(request().withLora(new LoraWeight(lora, TE, UNET)));
        GenerationResult offline;
        try (StableDiffusion merged = StableDiffusion.load(LoraFiles.merged(dir, lora, TE, UNET))) {
            offline = merged.generate(request());
        }
        float[] ours = withLora.latents().values();
        float[] theirs = offline.latents().values();
        assertThat(norm(difference(ours, theirs))).isLessThanOrEqualTo(1e-5 * norm(theirs));
        assertThat(maxPixelDifference(withLora.image(), offline.image())).isLessThanOrEqualTo(1);
        assertThat(maxAbs(difference(ours, base.latents().values())))
                .as("the LoRA changes the result")
                .isGreaterThan(1e-3 * maxAbs(theirs));
        assertThat(withLora.warnings()).isEmpty();

        GenerationResult after = sd.generate(request());
        assertThat(after.latents().values())
                .as("base latents after a LoRA request")
                .isEqualTo(base.latents().values());
        assertThat(maxPixelDifference(after.image(), base.image())).isZero();
        assertThat(Internals.model(sd).keptOriginals())
                .as("originals freed once restored")
                .isZero();
    }

    @Test
    void weightZeroIsTheBaseModelBitForBit() throws Exception {
        Path lora = LoraFiles.make(dir, "lora", "zero", 2);
        GenerationResult base = sd.generate(request());
        GenerationResult zero = sd.generate(request().withLora(LoraWeight.of(lora, 0)));
        assertThat(zero.latents().values()).isEqualTo(base.latents().values());
        assertThat(maxPixelDifference(zero.image(), base.image())).isZero();
    }

    @Test
    void textEncoderOnlyAndUNetOnlyChangeDifferentThings() throws Exception {
        Path lora = LoraFiles.make(dir, "lora", "parts", 3);
        GenerationResult both = sd.generate(request().withLora(new LoraWeight(lora, 1, 1)));
        GenerationResult teOnly = sd.generate(request().withLora(new LoraWeight(lora, 1, 0)));
        GenerationResult offline;
        try (StableDiffusion merged = StableDiffusion.load(LoraFiles.merged(dir, lora, 1, 0))) {
            offline = merged.generate(request());
        }
        float[] theirs = offline.latents().values();
        assertThat(norm(difference(teOnly.latents().values(), theirs))).isLessThanOrEqualTo(1e-5 * norm(theirs));
        assertThat(maxAbs(difference(teOnly.latents().values(), both.latents().values())))
                .isGreaterThan(0);
    }

    @Test
    void aTorchFileIsReadLikeItsSafetensors() throws Exception {
        Path safetensors = LoraFiles.make(dir, "locon", "pickled", 4);
        Path pt = dir.resolve("pickled.pt");
        TestPython.run(
                TestPython.python(),
                "-c",
                "import sys, torch, lora_files; torch.save(lora_files.read_safetensors(sys.argv[1])," + " sys.argv[2])",
                safetensors.toString(),
                pt.toString());
        float[] fromSafetensors = sd.generate(request().withLora(LoraWeight.of(safetensors, 0.9)))
                .latents()
                .values();
        float[] fromPt = sd.generate(request().withLora(LoraWeight.of(pt, 0.9)))
                .latents()
                .values();
        assertThat(fromPt).isEqualTo(fromSafetensors);
    }

    static float[] difference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    /** The Euclidean norm: "within 1e-5 relative" is ‖ours − theirs‖ ≤ 1e-5 ‖theirs‖. */
    static double norm(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
