package dev.torchsd.generation;

import static dev.torchsd.Differences.maxPixelDifference;
import static dev.torchsd.generation.DeepCacheTest.every;
import static dev.torchsd.generation.DeepCacheTest.fullAndShallowCalls;
import static dev.torchsd.generation.DeepCacheTest.maxAbs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.model.UNet;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.sdxl.SdxlModels;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeepCache (--deepcache N) on the reduced SDXL export: its U-Net's forward_caching and forward_shallow take SDXL's
 * text_embeds and time_ids after the context, as forward does.
 */
class SdxlDeepCacheTest {
    static final int SIZE = 64;
    static final GenerationRequest BASE = GenerationRequest.of("a red circle at the top left")
            .withNegativePrompt("a blue square")
            .withSeed(5)
            .withSteps(10)
            .withSize(SIZE, SIZE)
            .withScheduler("Euler");

    @TempDir
    static Path dir;

    static StableDiffusion sd;

    @BeforeAll
    static void export() throws Exception {
        sd = StableDiffusion.load(SdxlModels.export(dir, "sdxl-small"));
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    @Test
    void intervalOneIsTheExactImageBitForBit() {
        GenerationResult exact = sd.generate(BASE);
        GenerationResult one = sd.generate(every(1, BASE));
        assertThat(maxPixelDifference(exact.image(), one.image())).isZero();
        assertThat(one.latents().values()).containsExactly(exact.latents().values());
        assertThat(one.infotext()).doesNotContain("DeepCache");
    }

    @Test
    void theCachingCallsPredictionIsForwardsAndTheShallowCallUsesItsFeature() {
        Model model = Internals.model(sd);
        UNet unet = model.unet();
        assertThat(unet.hasDeepCache()).isTrue();
        GenerationRequest r = Internals.resolve(BASE, model.manifest());
        try (PointerScope scope = new PointerScope()) {
            Tensor sample = InitialNoise.sample(InitialNoise.generator(3), 2, 4, SIZE / 8, SIZE / 8);
            UNetInput input = Internals.unetInput(model, r, sample, 601.0);
            assertThat(input.extras()).containsOnlyKeys(Manifest.TEXT_EMBEDS, Manifest.TIME_IDS);
            Tensor full = unet.predict(input);
            float scale = maxAbs(full);
            UNet.CachingPrediction caching = unet.predictCaching(input, DeepCache.BRANCH);
            assertThat(Tensors.toFloats(caching.prediction())).containsExactly(Tensors.toFloats(full));
            Tensor shallow = unet.predictShallow(input, caching.deep(), DeepCache.BRANCH);
            assertThat(maxAbs(shallow.sub(full))).isLessThan(1e-5f * scale);
            // another call's feature, and other time ids, change the prediction: the shallow path uses both
            UNet.CachingPrediction other =
                    unet.predictCaching(Internals.unetInput(model, r, sample, 901.0), DeepCache.BRANCH);
            assertThat(maxAbs(unet.predictShallow(input, other.deep(), DeepCache.BRANCH)
                            .sub(full)))
                    .isGreaterThan(1e-3f * scale);
            // other time ids give another feature and prediction, and the shallow call on that feature that prediction
            // (they reach it through the feature: at this fixture's level 0, 32 channels in 32 GroupNorm groups, the
            // embedding's per-channel shift is normalised away)
            Tensor timeIds = input.extras().get(Manifest.TIME_IDS);
            UNetInput resized = input.withExtra(Manifest.TIME_IDS, timeIds.add(timeIds));
            UNet.CachingPrediction resizedFull = unet.predictCaching(resized, DeepCache.BRANCH);
            assertThat(maxAbs(resizedFull.prediction().sub(full))).isGreaterThan(1e-3f * scale);
            assertThat(maxAbs(unet.predictShallow(resized, resizedFull.deep(), DeepCache.BRANCH)
                            .sub(resizedFull.prediction())))
                    .isLessThan(1e-5f * scale);
        }
    }

    @Test
    void everyThirdCallIsAFullOneAndTheCallsBetweenAreShallow() {
        assertThat(fullAndShallowCalls(sd, every(3, BASE))).containsExactly(4, 6); // calls 0, 3, 6, 9 full
        GenerationResult exact = sd.generate(BASE);
        GenerationResult cached = sd.generate(every(3, BASE));
        assertThat(cached.latents().values()).isNotEqualTo(exact.latents().values());
        assertThat(cached.infotext()).contains("DeepCache interval: 3");
    }
}
