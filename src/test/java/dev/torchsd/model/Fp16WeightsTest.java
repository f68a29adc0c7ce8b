package dev.torchsd.model;

import static dev.torchsd.Differences.maxPixelDifference;
import static dev.torchsd.Differences.meanPixelDifference;
import static dev.torchsd.TestPython.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.TestPython;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny preset exported twice with the same seed, once with {@code --weights fp16}: the float16
 * files are about half the size, load as float32 and compute in float32, and generate nearly the
 * image of the float32 export. Skipped, saying why, where no python3 with torch is installed.
 *
 * <p>Tolerances: rounding a weight to float16 changes it by at most 2^-11 (4.9e-4) of its value,
 * so each network's output moves by a small multiple of that relative to its magnitude (measured:
 * 2.9e-4 text encoder, 8.5e-4 U-Net and VAE decoder; bound 2e-3). A decoded pixel channel is
 * 127.5 (x + 1) rounded, so a change of 1.7e-3 in x moves it by 0.2 levels: at most one level, and
 * only where x lies near a rounding boundary (measured over 6 seeds at 4 and 20 steps: largest
 * difference 1, mean 0.016-0.020 levels; bounds 1 and 0.05).
 */
class Fp16WeightsTest {
    static final List<String> FILES = List.of("text_encoder.pt", "unet.pt", "vae_decoder.pt", "vae_encoder.pt");

    @TempDir
    static Path dir;

    static Path fp32;
    static Path fp16;

    @BeforeAll
    static void exportTheTinyPresetBothWays() throws Exception {
        TestPython.assumeTorch("fp16 weights were not tested");
        LibTorch.ensureLoaded();
        Path tokenizer = TestPython.tinyTokenizer(dir);
        fp32 = export(tokenizer, "fp32");
        fp16 = export(tokenizer, "fp16");
    }

    private static Path export(Path tokenizer, String weights) throws Exception {
        Path out = dir.resolve(weights);
        run(
                "./cppbuild.sh",
                "export",
                "--preset",
                "tiny",
                "--tokenizer",
                tokenizer.toString(),
                "--out",
                out.toString(),
                "--seed",
                "0",
                "--weights",
                weights);
        return out;
    }

    @Test
    void manifestRecordsTheStoredDtype() {
        assertThat(Manifest.read(fp16).weightsDtype()).isEqualTo(WeightsDtype.FLOAT16);
        assertThat(Manifest.read(fp32).weightsDtype()).isEqualTo(WeightsDtype.FLOAT32);
    }

    @Test
    void filesAreAboutHalfTheSize() throws Exception {
        long half = 0;
        long full = 0;
        for (String file : FILES) {
            half += Files.size(fp16.resolve(file));
            full += Files.size(fp32.resolve(file));
        }
        // weights are half the bytes; each archive's code and pickled structure are not (tiny model: 0.53)
        assertThat((double) half / full).isBetween(0.5, 0.6);
    }

    @Test
    void storedAsFloat16LoadedAsFloat32() {
        for (String file : FILES) {
            try (TorchScriptModule asStored =
                            TorchScriptModule.load(fp16.resolve(file), Device.CPU, WeightsDtype.FLOAT32);
                    TorchScriptModule converted =
                            TorchScriptModule.load(fp16.resolve(file), Device.CPU, WeightsDtype.FLOAT16)) {
                assertThat(floatingDtypes(asStored.jit())).as(file).containsExactly(torch.ScalarType.Half);
                assertThat(floatingDtypes(converted.jit())).as(file).containsExactly(torch.ScalarType.Float);
            }
        }
    }

    @Test
    void everyNetworkComputesInFloat32() {
        try (Model model = Model.load(fp16, LoadOptions.DEFAULT);
                PointerScope scope = new PointerScope()) {
            assertThat(model.textEncoder().tokenTable().scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
            Generator g = torch.make_generator_cpu(5);
            Tensor embeddings = model.textEncoder()
                    .embed(new int[][] {model.encodePrompt("a red circle").ids()});
            Tensor context = model.textEncoder().encodeEmbeddings(embeddings, 1);
            Tensor latents = torch.randn(new long[] {1, 4, 8, 8}, new GeneratorOptional(g), new TensorOptions());
            Tensor noise = model.unet().predict(UNetInput.of(latents, 501, context));
            Tensor image = model.vaeDecoder().decode(latents);
            for (Tensor out : List.of(embeddings, context, noise, image)) {
                assertThat(out.scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
            }
        }
    }

    @Test
    void networksAgreeWithTheFloat32ExportUpToFloat16Rounding() {
        try (Model full = Model.load(fp32, LoadOptions.DEFAULT);
                Model half = Model.load(fp16, LoadOptions.DEFAULT);
                PointerScope scope = new PointerScope()) {
            Generator g = torch.make_generator_cpu(5);
            Tensor embeddings = full.textEncoder()
                    .embed(new int[][] {full.encodePrompt("a red circle").ids()});
            Tensor context = full.textEncoder().encodeEmbeddings(embeddings, 1);
            assertCloseRelative(context, half.textEncoder().encodeEmbeddings(embeddings, 1), "text encoder");
            Tensor latents = torch.randn(new long[] {1, 4, 8, 8}, new GeneratorOptional(g), new TensorOptions());
            assertCloseRelative(
                    full.unet().predict(UNetInput.of(latents, 501, context)),
                    half.unet().predict(UNetInput.of(latents, 501, context)),
                    "U-Net");
            assertCloseRelative(
                    full.vaeDecoder().decode(latents), half.vaeDecoder().decode(latents), "VAE decoder");
        }
    }

    private static void assertCloseRelative(Tensor expected, Tensor actual, String network) {
        double difference = expected.sub(actual).abs().max().item_double();
        double magnitude = expected.abs().max().item_double();
        assertThat(difference / magnitude)
                .as("%s: largest difference %.3g of largest value %.3g", network, difference, magnitude)
                .isLessThan(2e-3);
    }

    @Test
    void generatesNearlyTheImageOfTheFloat32Export() {
        GenerationRequest request = GenerationRequest.of("a red circle on a blue square")
                .withSize(64, 64)
                .withSteps(4)
                .withSeed(11);
        BufferedImage full = image(fp32, request);
        BufferedImage half = image(fp16, request);
        int max = maxPixelDifference(full, half);
        double mean = meanPixelDifference(full, half);
        System.out.printf("fp16 weights vs fp32, per channel: largest difference %d, mean %.4f%n", max, mean);
        assertThat(max).as("largest channel difference").isLessThanOrEqualTo(1);
        assertThat(mean).as("mean channel difference").isLessThan(0.05);
    }

    private static BufferedImage image(Path model, GenerationRequest request) {
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            return sd.generate(request).image();
        }
    }

    /** The dtypes of the module's floating-point parameters and buffers. */
    private static Set<torch.ScalarType> floatingDtypes(JitModule module) {
        Set<torch.ScalarType> found = EnumSet.noneOf(torch.ScalarType.class);
        ModuleTensors.forEachParameterAndBuffer(module, t -> {
            if (t.is_floating_point()) {
                found.add(t.scalar_type().intern()); // scalar_type() makes a new instance: intern() is the constant
            }
        });
        return found;
    }
}
