package dev.torchsd.exporter;

import static dev.torchsd.Differences.maxAbsDifference;
import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.TestModels;
import dev.torchsd.TestPython;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code torchsd_export.fuse_attention} swaps the formula attention of a torch-1.13 export for
 * libtorch's fused kernel: the rewritten model must load, say so in its manifest, and compute the
 * same thing. Tolerances: every network output within 1e-4 of the formula's (float32 rounding of a
 * different summation order; the outputs are of order 1), and the generated image within 2/255 per
 * channel.
 */
class FusedAttentionTest {
    @TempDir
    static Path dir;

    static Path fused;

    @BeforeAll
    static void rewriteACopyOfTheBuiltinModel() throws Exception {
        LibTorch.ensureLoaded();
        TestPython.assumeTorch("the attention rewrite was not tested");
        fused = TestModels.copyOfBuiltin(dir);
        TestPython.run(TestPython.python(), "-m", "torchsd_export.fuse_attention", fused.toString());
    }

    @Test
    void manifestRecordsFusedAttentionAndTheSourceCallsTheFusedKernel() throws Exception {
        assertThat(Manifest.read(fused).fusedAttention()).isTrue();
        assertThat(Manifest.read(TestModels.builtinFolder()).fusedAttention()).isFalse();
    }

    @Test
    void unetAndTextEncoderAgreeWithTheFormula() {
        try (Model formula = Model.load(TestModels.builtinFolder(), LoadOptions.DEFAULT);
                Model fast = Model.load(fused, LoadOptions.DEFAULT);
                PointerScope scope = new PointerScope()) {
            int hidden = formula.textEncoder().hiddenSize();
            Generator g = torch.make_generator_cpu(7);
            Tensor embeddings = torch.randn(new long[] {2, 77, hidden}, new GeneratorOptional(g), new TensorOptions());
            Tensor latents = torch.randn(new long[] {2, 4, 8, 8}, new GeneratorOptional(g), new TensorOptions());
            Tensor contextA = formula.textEncoder().encodeEmbeddings(embeddings, 1);
            Tensor contextB = fast.textEncoder().encodeEmbeddings(embeddings, 1);
            assertThat(maxAbsDifference(contextA, contextB)).isLessThan(1e-4);
            Tensor noiseA = formula.unet().predict(UNetInput.of(latents, 501, contextA));
            Tensor noiseB = fast.unet().predict(UNetInput.of(latents, 501, contextA));
            assertThat(maxAbsDifference(noiseA, noiseB)).isLessThan(1e-4);
            Tensor imageA = formula.vaeDecoder().decode(latents);
            Tensor imageB = fast.vaeDecoder().decode(latents);
            assertThat(maxAbsDifference(imageA, imageB)).isLessThan(1e-4);
        }
    }

    @Test
    void generatedImagesMatch() {
        GenerationRequest request =
                GenerationRequest.of("a red house by the sea").withSeed(3).withSteps(4);
        BufferedImage a;
        BufferedImage b;
        try (StableDiffusion formula = StableDiffusion.builtin()) {
            a = formula.generate(request).image();
        }
        try (StableDiffusion fast = StableDiffusion.load(fused)) {
            b = fast.generate(request).image();
        }
        assertThat(maxPixelDifference(a, b)).isLessThanOrEqualTo(2);
    }
}
