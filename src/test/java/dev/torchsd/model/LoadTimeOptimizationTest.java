package dev.torchsd.model;

import static dev.torchsd.Differences.maxAbsDifference;
import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.runtime.DeviceException;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The load-time transforms (torchsd.jit=freeze|optimize, torchsd.channels_last=true) must not
 * change what the networks compute: U-Net and VAE outputs within 1e-4 of the plain module's
 * (float32 rounding of other kernels and summation orders, on outputs of order 1), images within
 * 2/255 per channel; the text encoder's token table is still found.
 */
class LoadTimeOptimizationTest {

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    @AfterEach
    void clearProperties() {
        System.clearProperty(LoadOptions.JIT_PROPERTY);
        System.clearProperty(LoadOptions.CHANNELS_LAST_PROPERTY);
    }

    @ParameterizedTest
    @CsvSource({"freeze,false", "optimize,false", "none,true", "optimize,true"})
    void networksComputeTheSame(String jit, boolean channelsLast) {
        try (Model plain = Model.loadBuiltin();
                PointerScope scope = new PointerScope()) {
            LoadOptions options =
                    LoadOptions.DEFAULT.withJit(JitMode.parse(jit, "jit")).withChannelsLast(channelsLast);
            try (Model transformed = Model.load(BuiltinModel.folder(), options)) {
                Generator g = torch.make_generator_cpu(11);
                Tensor latents = torch.randn(new long[] {2, 4, 8, 8}, new GeneratorOptional(g), new TensorOptions());
                Tensor context = plain.textEncoder().encode(new int[][] {{1, 2, 3}, {4, 5, 6}}, 1);
                assertThat(transformed.textEncoder().tokenCount())
                        .isEqualTo(plain.textEncoder().tokenCount());
                assertThat(maxAbsDifference(
                                plain.unet().predict(UNetInput.of(latents, 321, context)),
                                transformed.unet().predict(UNetInput.of(latents, 321, context))))
                        .isLessThan(1e-4);
                assertThat(maxAbsDifference(
                                plain.vaeDecoder().decode(latents),
                                transformed.vaeDecoder().decode(latents)))
                        .isLessThan(1e-4);
            }
        }
    }

    @Test
    void generatedImageIsTheSameWithEveryTransform() {
        GenerationRequest request =
                GenerationRequest.of("a lighthouse at dusk").withSeed(5).withSteps(3);
        BufferedImage plain;
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            plain = sd.generate(request).image();
        }
        try (StableDiffusion sd = StableDiffusion.builtin(
                LoadOptions.DEFAULT.withJit(JitMode.OPTIMIZE).withChannelsLast(true))) {
            assertThat(maxPixelDifference(plain, sd.generate(request).image())).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void unknownJitValueIsRefusedByName() {
        System.setProperty(LoadOptions.JIT_PROPERTY, "fastest");
        assertThatThrownBy(LoadOptions::fromSystemProperties)
                .isInstanceOf(DeviceException.class)
                .hasMessageContaining("torchsd.jit=fastest")
                .hasMessageContaining("none, freeze or optimize");
    }
}
