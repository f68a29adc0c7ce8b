package dev.torchsd.model;

import static dev.torchsd.Differences.maxPixelDifference;
import static dev.torchsd.Differences.meanPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.runtime.DeviceException;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.runtime.Precision;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --precision bf16|fp16} on the CPU with the built-in model: the U-Net's weights (so its
 * arithmetic) take the type, the text encoder and the VAE stay float32, the U-Net still hands
 * float32 to the scheduler, and the images stay close to float32's.
 *
 * <p>Tolerances, from the measurement over the 6 seeds below at 20 steps (PNDM, the model's sampler):
 * bfloat16 keeps 8 significant bits (relative rounding 2^-9 = 2e-3 per operation), float16 11 (2.4e-4).
 * Measured largest / mean pixel-channel difference against float32 (0..255 levels): bf16 14 / 2.69,
 * fp16 2 / 0.35. Bounds: about twice the measured values (bf16 28 / 5.5, fp16 5 / 0.8), and each
 * must stay below the other's: bf16 rounds 8 times coarser than fp16.
 */
class ComputePrecisionTest {
    static final long[] SEEDS = {1, 2, 3, 4, 5, 6};
    static final GenerationRequest REQUEST =
            GenerationRequest.of("a large yellow triangle on the left, blue background");
    static List<BufferedImage> fp32;

    @BeforeAll
    static void drawInFloat32() {
        fp32 = draw(Precision.FP32);
    }

    static List<BufferedImage> draw(Precision precision) {
        try (StableDiffusion sd =
                StableDiffusion.load(BuiltinModel.folder(), LoadOptions.DEFAULT.withPrecision(precision))) {
            List<BufferedImage> images = new ArrayList<>();
            for (long seed : SEEDS) {
                images.add(sd.generate(REQUEST.withSeed(seed)).image());
            }
            return images;
        }
    }

    private static Set<torch.ScalarType> floatTypes(TorchScriptModule module) {
        Set<torch.ScalarType> types = new HashSet<>();
        ModuleTensors.forEachParameterAndBuffer(module.jit(), t -> {
            if (t.is_floating_point()) {
                types.add(t.scalar_type().intern());
            }
        });
        return types;
    }

    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"BF16", "FP16"})
    void theUNetAndTheBf16VaeComputeInTheLowerPrecision(Precision precision) {
        try (StableDiffusion sd =
                StableDiffusion.load(BuiltinModel.folder(), LoadOptions.DEFAULT.withPrecision(precision))) {
            Model m = Internals.model(sd);
            torch.ScalarType vae = precision == Precision.BF16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float;
            assertThat(floatTypes(m.unet().module())).containsExactly(FloatWeights.of(precision));
            assertThat(floatTypes(m.vaeDecoder().module())).containsExactly(vae);
            assertThat(floatTypes(m.vaeEncoder().module())).containsExactly(vae);
            assertThat(floatTypes(m.textEncoder().module())).containsExactly(torch.ScalarType.Float);
        }
    }

    @Test
    void imagesStayCloseToFloat32() {
        double[] bf16 = differenceFromFloat32(Precision.BF16);
        double[] fp16 = differenceFromFloat32(Precision.FP16);
        assertThat(bf16[0]).as("bf16 largest difference").isPositive().isLessThanOrEqualTo(28);
        assertThat(bf16[1]).as("bf16 mean difference").isLessThanOrEqualTo(5.5);
        assertThat(fp16[0]).as("fp16 largest difference").isPositive().isLessThanOrEqualTo(5);
        assertThat(fp16[1]).as("fp16 mean difference").isLessThanOrEqualTo(0.8).isLessThan(bf16[1]);
    }

    /** {largest, mean} pixel-channel difference from float32's images over the seeds. */
    private static double[] differenceFromFloat32(Precision precision) {
        List<BufferedImage> images = draw(precision);
        double max = 0;
        double mean = 0;
        for (int i = 0; i < SEEDS.length; i++) {
            max = Math.max(max, maxPixelDifference(fp32.get(i), images.get(i)));
            mean += meanPixelDifference(fp32.get(i), images.get(i)) / SEEDS.length;
        }
        return new double[] {max, mean};
    }

    @Test
    void refusesAnUnknownPrecisionNamingTheSource() {
        assertThatThrownBy(() -> Precision.parse("fp8", "--precision"))
                .isInstanceOf(DeviceException.class)
                .hasMessage("--precision=fp8: expected fp32, fp16 or bf16");
    }
}
