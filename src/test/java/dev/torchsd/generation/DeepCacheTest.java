package dev.torchsd.generation;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestModels;
import dev.torchsd.model.ModelException;
import dev.torchsd.model.NetworkTime;
import dev.torchsd.model.UNet;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.GuidanceWindow;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DeepCache (--deepcache N) on the built-in model, whose export has forward_caching and forward_shallow. */
class DeepCacheTest {
    static StableDiffusion sd;
    static final GenerationRequest BASE = GenerationRequest.of("a large red circle on the left, blue background")
            .withNegativePrompt("square")
            .withSeed(5)
            .withSteps(10)
            .withScheduler("Euler");

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static GenerationRequest every(int interval, GenerationRequest r) {
        return r.toBuilder().deepCacheInterval(interval).build();
    }

    private static UNet unet() {
        return Internals.model(sd).unet();
    }

    /** The U-Net calls a generation of {@code model} makes: full ones and shallow ones. */
    static long[] fullAndShallowCalls(StableDiffusion model, GenerationRequest r) {
        UNet unet = Internals.model(model).unet();
        NetworkTime all = unet.time();
        NetworkTime shallow = unet.shallowTime();
        model.generate(r);
        long shallowCalls = unet.shallowTime().minus(shallow).calls();
        return new long[] {unet.time().minus(all).calls() - shallowCalls, shallowCalls};
    }

    @Test
    void intervalOneIsTheExactImageBitForBit() {
        GenerationResult exact = sd.generate(BASE);
        GenerationResult one = sd.generate(every(1, BASE));
        assertThat(maxPixelDifference(exact.image(), one.image())).isZero();
        assertThat(one.infotext()).doesNotContain("DeepCache");
    }

    @Test
    void theShallowCallOnItsOwnCallsFeatureIsTheFullPrediction() {
        GenerationRequest r = Internals.resolve(BASE, Internals.model(sd).manifest());
        try (PointerScope scope = new PointerScope()) {
            Tensor context = Internals.encodePrompts(Internals.model(sd), r); // [negative; positive]
            Tensor sample = InitialNoise.sample(InitialNoise.generator(3), 2, 4, 16, 16);
            UNetInput input = UNetInput.of(sample, 601.0, context);
            Tensor full = unet().predict(input);
            UNet.CachingPrediction caching = unet().predictCaching(input, DeepCache.BRANCH);
            assertThat(Tensors.toFloats(caching.prediction())).containsExactly(Tensors.toFloats(full));
            Tensor shallow = unet().predictShallow(input, caching.deep(), DeepCache.BRANCH);
            assertThat(maxAbs(shallow.sub(full))).isLessThan(1e-5f);
            // another call's feature changes the prediction: the shallow path does use it
            UNet.CachingPrediction other = unet().predictCaching(UNetInput.of(sample, 901.0, context), 0);
            assertThat(maxAbs(unet().predictShallow(input, other.deep(), 0).sub(full)))
                    .isGreaterThan(1e-3f);
        }
    }

    @Test
    void aCallWithoutGuidanceReusesThePositiveRowsOfTheFeature() {
        GenerationRequest r = Internals.resolve(BASE, Internals.model(sd).manifest());
        try (PointerScope scope = new PointerScope();
                DeepCache cache = new DeepCache(unet(), 2, 1, 0)) {
            Tensor context = Internals.encodePrompts(Internals.model(sd), r);
            Tensor sample = InitialNoise.sample(InitialNoise.generator(3), 1, 4, 16, 16);
            Tensor both =
                    org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(sample, sample), 0);
            cache.predict(UNetInput.of(both, 601.0, context), 0, true); // full: keeps [negative; positive] rows
            UNetInput positive = UNetInput.of(sample, 601.0, context.narrow(0, 1, 1));
            long shallowBefore = unet().shallowTime().calls();
            Tensor reused = cache.predict(positive, 1, true);
            assertThat(unet().shallowTime().calls()).isEqualTo(shallowBefore + 1);
            assertThat(maxAbs(reused.sub(unet().predict(positive)))).isLessThan(1e-5f);
        }
    }

    @Test
    void everyNthCallIsAFullOneAndTheCallsBetweenAreShallow() {
        assertThat(fullAndShallowCalls(sd, every(3, BASE))).containsExactly(4, 6); // calls 0, 3, 6, 9 full
        // guidance stops after call 4: the positive rows of the feature serve the calls without it
        assertThat(fullAndShallowCalls(sd, every(3, BASE.withGuidanceWindow(GuidanceWindow.cutoff(0.4)))))
                .containsExactly(4, 6);
        // the negative prompt starts at call 5: its rows in the feature were made for the empty prompt
        GenerationRequest late = BASE.toBuilder()
                .negativeWindow(new NegativeWindow(StepPoint.step(5), StepPoint.fraction(1.0)))
                .build();
        assertThat(fullAndShallowCalls(sd, every(3, late))).containsExactly(5, 5); // calls 0, 3, 5, 6, 9 full
    }

    @Test
    void cachedCallsChangeTheImageAndTheInfotextSaysSo() {
        GenerationResult exact = sd.generate(BASE);
        GenerationResult cached = sd.generate(every(3, BASE));
        assertThat(maxPixelDifference(exact.image(), cached.image())).isPositive();
        assertThat(cached.infotext()).contains("DeepCache interval: 3");
        assertThat(cached.request().deepCacheInterval()).isEqualTo(3);
    }

    @Test
    void frozenAndOptimizedModulesKeepTheMethods() {
        GenerationRequest r = every(3, BASE);
        try (StableDiffusion frozen = StableDiffusion.builtin(
                LoadOptions.DEFAULT.withJit(JitMode.OPTIMIZE).withChannelsLast(true))) {
            assertThat(maxPixelDifference(
                            sd.generate(r).image(), frozen.generate(r).image()))
                    .isLessThanOrEqualTo(2); // as LoadTimeOptimizationTest's bound without DeepCache
        }
    }

    @Test
    void anIntervalBelowOneIsRefused() {
        assertThatThrownBy(() -> sd.generate(every(0, BASE)))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("DeepCache interval must be at least 1 (1: off), got 0");
    }

    @Test
    void anExportWithoutTheMethodsLoadsAndRefusesDeepCacheNamingTheFolderAndTheReScript(@TempDir Path dir)
            throws Exception {
        assertAnOlderExportRefuses(dir, "deepcache", every(2, BASE), sd);
    }

    /**
     * A copy of the built-in model whose manifest lacks {@code unet.KEY} (exported before those methods) draws
     * {@code BASE} as the built-in model does, and refuses {@code request} naming its folder, the key and the
     * re-script command.
     */
    static void assertAnOlderExportRefuses(Path dir, String key, GenerationRequest request, StableDiffusion builtin)
            throws Exception {
        Path folder = TestModels.copyOfBuiltin(dir);
        Path manifest = folder.resolve("model.json");
        String entry = ",\n    \"" + key + "\": true";
        String text = Files.readString(manifest);
        assertThat(text).contains(entry);
        Files.writeString(manifest, text.replace(entry, ""));
        try (StableDiffusion old = StableDiffusion.load(folder)) {
            assertThat(maxPixelDifference(
                            old.generate(BASE).image(), builtin.generate(BASE).image()))
                    .isZero();
            assertThatThrownBy(() -> old.generate(request))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining(folder.toAbsolutePath().toString())
                    .hasMessageContaining("no unet." + key)
                    .hasMessageContaining("./cppbuild.sh rescript " + folder.toAbsolutePath());
        }
    }

    static float maxAbs(Tensor t) {
        float max = 0;
        for (float v : Tensors.toFloats(t)) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
