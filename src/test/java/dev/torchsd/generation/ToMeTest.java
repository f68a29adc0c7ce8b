package dev.torchsd.generation;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.image.ImageDifference;
import dev.torchsd.model.UNet;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.HiresFix;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.pipeline.TokenMerging;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token merging (--tome) on the built-in model, whose export has forward_tome. Its first level has no attention, so
 * merging needs max downsample 2 (its second level, 8x8 tokens at 64x64) to change anything.
 */
class ToMeTest {
    static StableDiffusion sd;
    static final GenerationRequest BASE = DeepCacheTest.BASE;
    static final TokenMerging HALF = new TokenMerging(0.5, 2);
    /** What ratio 0.5 at max downsample 2 keeps of this image (measured 32.4 dB; the eval's figures: docs/performance.md). */
    static final double MIN_PSNR = 28.0;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static GenerationRequest merging(TokenMerging merging, GenerationRequest r) {
        return r.toBuilder().tokenMerging(merging).build();
    }

    @Test
    void ratioZeroIsTheExactPredictionAndImageBitForBit() {
        UNet unet = Internals.model(sd).unet();
        GenerationRequest r = Internals.resolve(BASE, Internals.model(sd).manifest());
        try (PointerScope scope = new PointerScope()) {
            Tensor context = Internals.encodePrompts(Internals.model(sd), r);
            Tensor sample = InitialNoise.sample(InitialNoise.generator(3), 2, 4, 16, 16);
            UNetInput input = UNetInput.of(sample, 601.0, context);
            float[] exact = Tensors.toFloats(unet.predict(input));
            assertThat(Tensors.toFloats(unet.predictMerging(input, 0.0, 8))).containsExactly(exact);
            assertThat(Tensors.toFloats(unet.predictMerging(input, 0.5, 2))).isNotEqualTo(exact);
        }
        GenerationResult zero = sd.generate(merging(new TokenMerging(0, 2), BASE));
        assertThat(maxPixelDifference(sd.generate(BASE).image(), zero.image())).isZero();
        assertThat(zero.infotext()).doesNotContain("Token merging");
    }

    @Test
    void mergingChangesTheImageButKeepsItCloseAndTheInfotextSaysSo() {
        GenerationResult exact = sd.generate(BASE);
        GenerationResult merged = sd.generate(merging(HALF, BASE));
        assertThat(maxPixelDifference(exact.image(), merged.image())).isPositive();
        double psnr = ImageDifference.psnr(
                ImageDifference.of(exact.image(), merged.image()).meanSquared());
        assertThat(psnr).as("PSNR %.2f dB", psnr).isGreaterThan(MIN_PSNR);
        assertThat(merged.infotext()).contains("Token merging ratio: 0.5, Token merging max downsample: 2");
        assertThat(merged.request().tokenMerging()).isEqualTo(HALF);
        // AUTOMATIC1111's default max downsample 1: the built-in model's first level has no attention to merge in
        GenerationResult firstLevel = sd.generate(merging(TokenMerging.of(0.5), BASE));
        assertThat(maxPixelDifference(exact.image(), firstLevel.image())).isZero();
        assertThat(firstLevel.infotext()).contains("Token merging ratio: 0.5").doesNotContain("max downsample");
    }

    @Test
    void theHiresPassMergesAtItsOwnRatioOrTheRequests() {
        GenerationRequest hires = BASE.withSteps(4).withHiresFix(HiresFix.of(2).withStrength(0.5));
        GenerationResult exact = sd.generate(hires);
        GenerationResult ownRatio =
                sd.generate(hires.withHiresFix(hires.hiresFix().orElseThrow().withTokenMergingRatio(0.5)));
        assertThat(ownRatio.infotext()).contains("Token merging ratio hr: 0.5").doesNotContain("Token merging ratio:");
        assertThat(maxPixelDifference(exact.image(), ownRatio.image())).isZero(); // max downsample 1 merges nothing
        GenerationResult inherited = sd.generate(merging(HALF, hires));
        assertThat(inherited.infotext())
                .contains("Token merging ratio: 0.5, ")
                .contains("Token merging ratio hr: 0.5, ")
                .contains("Token merging max downsample: 2");
        GenerationResult secondPassOnly = sd.generate(merging(
                new TokenMerging(0, 2),
                hires.withHiresFix(hires.hiresFix().orElseThrow().withTokenMergingRatio(0.5))));
        assertThat(maxPixelDifference(exact.image(), secondPassOnly.image())).isPositive();
        assertThat(maxPixelDifference(inherited.image(), secondPassOnly.image()))
                .isPositive();
    }

    @Test
    void frozenAndOptimizedModulesKeepTheMethod() {
        GenerationRequest r = merging(HALF, BASE);
        try (StableDiffusion frozen = StableDiffusion.builtin(LoadOptions.DEFAULT.withJit(JitMode.OPTIMIZE))) {
            assertThat(maxPixelDifference(
                            sd.generate(r).image(), frozen.generate(r).image()))
                    .isLessThanOrEqualTo(2); // as LoadTimeOptimizationTest's bound without token merging
        }
    }

    @Test
    void badValuesAreRefusedNamingThem() {
        for (double ratio : new double[] {1.0, -0.1, Double.NaN}) {
            assertThatThrownBy(() -> sd.resolve(merging(TokenMerging.of(ratio), BASE)))
                    .isInstanceOf(RequestException.class)
                    .hasMessageContaining("token merging (ToMe) ratio must be in [0, 1) (0: off), got " + ratio);
        }
        assertThatThrownBy(() -> sd.resolve(merging(new TokenMerging(0.5, 3), BASE)))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining(
                        "token merging (ToMe) max downsample must be 1, 2, 4 or 8 (a level's down-sampling),"
                                + " got 3");
        assertThatThrownBy(() -> sd.resolve(BASE.withHiresFix(HiresFix.of(2).withTokenMergingRatio(1.5))))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("hires token merging (ToMe) ratio must be in [0, 1) (0: the request's), got 1.5");
    }

    @Test
    void deepCacheBesideTokenMergingIsRefused() {
        assertThatThrownBy(() -> sd.generate(
                        BASE.toBuilder().tokenMerging(HALF).deepCacheInterval(3).build()))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("token merging (ToMe) and DeepCache exclude each other");
        assertThatThrownBy(() -> sd.resolve(BASE.toBuilder()
                        .deepCacheInterval(3)
                        .hiresFix(HiresFix.of(2).withTokenMergingRatio(0.3))
                        .build()))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("token merging (ToMe) and DeepCache exclude each other");
    }

    @Test
    void anExportWithoutTheMethodLoadsAndRefusesTokenMergingNamingTheFolderAndTheReScript(@TempDir Path dir)
            throws Exception {
        DeepCacheTest.assertAnOlderExportRefuses(dir, "tome", merging(HALF, BASE), sd);
    }
}
