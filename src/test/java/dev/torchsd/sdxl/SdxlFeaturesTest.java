package dev.torchsd.sdxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.torchsd.Embedding;
import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestSafetensors;
import dev.torchsd.TestSafetensors.Values;
import dev.torchsd.embedding.EmbeddingException;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.generation.MemoryEstimate;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.SdxlConditioning;
import dev.torchsd.tensor.Tensors;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Existing features on the reduced SDXL export: every sampler, image-to-image and inpainting, textual inversion with
 * clip_l + clip_g vectors (and an SD 1.x embedding or LoRA refused, and an SDXL embedding on SD 1.x), the
 * conditioning's two encoders and zeros for the empty negative prompt, long AUTOMATIC1111 prompts, VAE tiling, the
 * memory estimate.
 */
class SdxlFeaturesTest {
    static final int SIZE = 64;

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

    static Values values(Random random, int rows, int columns) {
        float[] v = new float[rows * columns];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * 0.3);
        }
        return new Values(new long[] {rows, columns}, v);
    }

    static GenerationRequest request(String prompt) {
        return GenerationRequest.of(prompt).withSeed(2).withSteps(1).withSize(SIZE, SIZE);
    }

    @Test
    void theContextConcatenatesBothEncodersAndTheEmptyNegativeIsZeros() {
        Model model = Internals.model(sd);
        try (PointerScope scope = new PointerScope()) {
            GenerationRequest zeros = Internals.resolve(request("a cat"), model.manifest());
            Tensor context = Internals.encodePrompts(model, zeros);
            // [negative; positive], 77 tokens, CLIP-L's 64 + bigG's 128
            assertThat(Tensors.shape(context)).containsExactly(2, 77, 192);
            float[] negative = Tensors.toFloats(context.select(0, 0));
            assertThat(negative).containsOnly(0f);
            GenerationRequest encoded = zeros.withSdxl(SdxlConditioning.DEFAULT.withEncodeEmptyNegative(true));
            float[] empty =
                    Tensors.toFloats(Internals.encodePrompts(model, encoded).select(0, 0));
            assertThat(empty).isNotEqualTo(negative);
        }
    }

    @Test
    void loadsAnSdxlEmbeddingIntoBothEncoders() throws Exception {
        Random random = new Random(5);
        Map<String, Values> tensors = new LinkedHashMap<>();
        tensors.put("clip_l", values(random, 2, 64));
        tensors.put("clip_g", values(random, 2, 128));
        Path file = dir.resolve("sdxl-style.safetensors");
        TestSafetensors.write(file, tensors, Map.of());
        Embedding loaded = sd.loadTextualInversion(file);
        assertThat(loaded.tokens()).containsExactly("sdxl-style", "sdxl-style_1");
        Model model = Internals.model(sd);
        float[] clipL = tensors.get("clip_l").values();
        float[] clipG = tensors.get("clip_g").values();
        // vector 1 of clip_l in CLIP-L's table, vector 0 of clip_g in bigG's
        assertThat(model.textEncoders().get(0).tokenVector(loaded.ids()[1]))
                .containsExactly(java.util.Arrays.copyOfRange(clipL, 64, 128));
        assertThat(model.textEncoders().get(1).tokenVector(loaded.ids()[0]))
                .containsExactly(java.util.Arrays.copyOfRange(clipG, 0, 128));
        GenerationResult with = sd.generate(request("a sdxl-style cat"));
        GenerationResult without = sd.generate(request("a cat"));
        assertThat(with.latents().values()).isNotEqualTo(without.latents().values());
    }

    /** tokenVector / nearestTokens (and embedding inspect --text-encoder) read bigG's table as well as CLIP-L's. */
    @Test
    void tokenVectorsAndNearestTokensOfEitherEncoder() throws Exception {
        int id = 300;
        Model model = Internals.model(sd);
        float[] clipL = sd.tokenVector(id);
        float[] clipG = sd.tokenVector(id, 1);
        assertThat(sd.tokenVector(id, 0)).containsExactly(clipL);
        assertThat(clipL)
                .containsExactly(model.textEncoders().get(0).tokenVector(id))
                .hasSize(64);
        assertThat(clipG)
                .containsExactly(model.textEncoders().get(1).tokenVector(id))
                .hasSize(128);
        var nearest = sd.nearestTokens(clipG, 1, 1).get(0);
        assertThat(nearest.id()).isEqualTo(id);
        assertThat(nearest.cosine()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(sd.nearestTokens(clipL, 1).get(0).id()).isEqualTo(id);
        assertThatThrownBy(() -> sd.nearestTokens(clipG, 1, 0)).isInstanceOf(TorchsdException.class);
        assertThatThrownBy(() -> sd.tokenVector(id, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text encoder 2 does not exist")
                .hasMessageContaining("has 2 (0 to 1)");

        Random random = new Random(6);
        Map<String, Values> tensors = new LinkedHashMap<>();
        tensors.put("clip_l", values(random, 1, 64));
        tensors.put("clip_g", new Values(new long[] {1, 128}, clipG));
        Path file = dir.resolve("bigg-row.safetensors");
        TestSafetensors.write(file, tensors, Map.of());
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = dev.torchsd.cli.Main.commandLine()
                .setOut(new java.io.PrintWriter(out))
                .setErr(new java.io.PrintWriter(err))
                .execute(
                        "embedding",
                        "inspect",
                        file.toString(),
                        "--model",
                        model.folder().toString(),
                        "--nearest",
                        "1",
                        "--text-encoder",
                        "1",
                        "--json");
        assertThat(code).as(err.toString()).isZero();
        var report = com.google.gson.JsonParser.parseString(out.toString()).getAsJsonObject();
        assertThat(report.getAsJsonArray("nearest")
                        .get(0)
                        .getAsJsonArray()
                        .get(0)
                        .getAsJsonObject()
                        .get("id")
                        .getAsInt())
                .isEqualTo(id);
    }

    /** Every sampler, by every accepted name, runs from SDXL's scheduler config (Euler's, leading spacing). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.torchsd.scheduler.Schedulers#names")
    void everySamplerRuns(String name) {
        GenerationResult result = sd.generate(
                request("a red circle").withNegativePrompt("blue").withSteps(4).withScheduler(name));
        assertThat(result.warnings()).as(name).isEmpty();
        assertThat(result.sampler()).isEqualTo(name);
        float[] latents = result.latents().values();
        long nonFinite = 0;
        for (float v : latents) {
            nonFinite += Float.isFinite(v) ? 0 : 1;
        }
        assertThat(nonFinite).as("%s: non-finite latents", name).isZero();
        assertThat(latents).as(name).isNotEqualTo(new float[latents.length]);
    }

    /** Image-to-image changes the given image; blend inpainting repaints the masked half and keeps the other's pixels. */
    @Test
    void imageToImageAndInpaintingRunOnTheBase() {
        BufferedImage picture = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                picture.setRGB(x, y, new Color(4 * x, 4 * y, 200).getRGB());
            }
        }
        GenerationRequest r = request("a cat").withSteps(4).withScheduler("Euler");
        GenerationResult text = sd.generate(r);
        GenerationResult changed =
                sd.generate(r.withImage(ImageInput.of(picture).withStrength(0.5)));
        assertThat(changed.latents().shape()).containsExactly(1, 4, SIZE / 8, SIZE / 8);
        assertThat(changed.latents().values()).isNotEqualTo(text.latents().values());
        assertThat(changed.infotext()).contains("Denoising strength: 0.5");

        BufferedImage leftHalf = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE / 2; x++) {
                leftHalf.getRaster().setSample(x, y, 0, 255);
            }
        }
        BufferedImage inpainted = sd.generate(r.withImage(ImageInput.of(picture).withMask(leftHalf)))
                .image();
        int repainted = 0;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                if (x >= SIZE / 2) {
                    assertThat(inpainted.getRGB(x, y))
                            .as("kept pixel (%d, %d)", x, y)
                            .isEqualTo(picture.getRGB(x, y));
                } else if (inpainted.getRGB(x, y) != picture.getRGB(x, y)) {
                    repainted++;
                }
            }
        }
        assertThat(repainted).as("masked pixels changed").isGreaterThan(SIZE * SIZE / 4);
    }

    /** An SD 1.x embedding on SDXL and an SDXL one on SD 1.x: the file, the keys expected and the keys found. */
    @Test
    void refusesAnSd1EmbeddingAndAnSd1LoraAndAnSdxlEmbeddingOnSd1() throws Exception {
        Random random = new Random(6);
        Path sd1 = dir.resolve("sd1-style.safetensors");
        TestSafetensors.write(sd1, Map.of("emb_params", values(random, 1, 64)), Map.of());
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> sd.loadTextualInversion(sd1));
        assertThat(e.getMessage())
                .startsWith(sd1 + ": ")
                .contains("(key 'emb_params': one set of 64-wide vectors)")
                .contains("this model is SDXL and needs clip_l + clip_g vectors (expected keys clip_l and clip_g,"
                        + " found 'emb_params')");
        Map<String, Values> pair = new LinkedHashMap<>();
        pair.put("clip_l", values(random, 1, 64));
        pair.put("clip_g", values(random, 1, 128));
        Path sdxlFile = dir.resolve("sdxl-pair.safetensors");
        TestSafetensors.write(sdxlFile, pair, Map.of());
        try (StableDiffusion builtin = StableDiffusion.builtin()) {
            EmbeddingException reverse =
                    assertThrows(EmbeddingException.class, () -> builtin.loadTextualInversion(sdxlFile));
            assertThat(reverse.getMessage())
                    .startsWith(sdxlFile + ": an SDXL embedding (keys clip_l, 64 wide, and clip_g, 128 wide)")
                    .contains("this model is SD 1.x/2.x (hidden size 32) and needs one set of 32-wide vectors")
                    .contains("found clip_l and clip_g");
        }

        String te = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
        Map<String, Values> lora = new LinkedHashMap<>();
        lora.put(te + ".lora_down.weight", values(random, 4, 64));
        lora.put(te + ".lora_up.weight", values(random, 64, 4));
        Path loraFile = dir.resolve("sd1-lora.safetensors");
        TestSafetensors.write(loraFile, lora, Map.of("ss_network_module", "networks.lora"));
        TorchsdException l = assertThrows(
                TorchsdException.class,
                () -> sd.generate(request("a cat").toBuilder()
                        .lora(dev.torchsd.pipeline.LoraWeight.of(loraFile, 1.0))
                        .build()));
        assertThat(l.getMessage()).contains("an SD 1.x/2.x LoRA").contains("this model is sdxl");
    }

    /** A kohya LoRA file with one low-rank module per key, each {@code in -> out} wide. */
    static Path lora(String name, Map<String, long[]> modules) throws Exception {
        Random random = new Random(name.hashCode());
        Map<String, Values> tensors = new LinkedHashMap<>();
        modules.forEach((key, inOut) -> {
            tensors.put(key + ".lora_down.weight", values(random, 4, (int) inOut[0]));
            tensors.put(key + ".lora_up.weight", values(random, (int) inOut[1], 4));
        });
        Path file = dir.resolve(name + ".safetensors");
        TestSafetensors.write(file, tensors, Map.of("ss_network_module", "networks.lora"));
        return file;
    }

    @Test
    void sdxlLorasMergeIntoEachTextEncoderAndTheUNetAndAreUndone() throws Exception {
        String q = "_text_model_encoder_layers_0_self_attn_q_proj";
        GenerationRequest plain = request("a cat");
        float[] before = sd.generate(plain).latents().values();
        for (Map<String, long[]> modules : List.of(
                Map.of("lora_te1" + q, new long[] {64, 64}),
                Map.of("lora_te2" + q, new long[] {128, 128}),
                Map.of("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q", new long[] {64, 64}))) {
            Path file = lora("sdxl-" + modules.keySet().iterator().next().substring(0, 9), modules);
            GenerationResult with = sd.generate(plain.toBuilder()
                    .lora(dev.torchsd.pipeline.LoraWeight.of(file, 1.0))
                    .build());
            assertThat(with.warnings()).as("%s", modules.keySet()).isEmpty();
            assertThat(with.latents().values()).as("%s", modules.keySet()).isNotEqualTo(before);
        }
        assertThat(sd.generate(plain).latents().values()).containsExactly(before);
    }

    @Test
    void longAutomatic1111PromptsAndVaeTilingRun() {
        String longPrompt = String.join(", ", java.util.Collections.nCopies(40, "a (red:1.2) circle"));
        GenerationResult result = sd.generate(
                request(longPrompt).withPromptSyntax(PromptSyntax.A1111).withNegativePrompt("blue BREAK green"));
        assertThat(result.image().getWidth()).isEqualTo(SIZE);
        GenerationRequest tiled =
                request("a cat").withSize(128, 128).withVaeTiling(dev.torchsd.pipeline.VaeTiling.of(64));
        assertThat(sd.generate(tiled).image().getWidth()).isEqualTo(128);
    }

    @Test
    void tokenMergingRunsWithTheSdxlExtrasFromTheSecondLevel() {
        GenerationRequest exact = request("a red circle").withNegativePrompt("blue");
        float[] full = sd.generate(exact).latents().values();
        GenerationRequest merged = exact.toBuilder()
                .tokenMerging(new dev.torchsd.pipeline.TokenMerging(0.5, 2))
                .build();
        assertThat(sd.generate(merged).latents().values()).isNotEqualTo(full);
        // AUTOMATIC1111's max downsample 1: SDXL has no attention at its first level, nothing is merged
        GenerationRequest firstLevel = exact.toBuilder()
                .tokenMerging(dev.torchsd.pipeline.TokenMerging.of(0.5))
                .build();
        assertThat(sd.generate(firstLevel).latents().values()).containsExactly(full);
    }

    @Test
    void theAutomaticNegativeStartProbesWithTheSdxlExtrasAndItsPickReproduces() {
        // the probe's negative row of text_embeds/time_ids is cached across steps: it must outlive each step
        GenerationRequest auto = request("a red circle")
                .withNegativePrompt("blue")
                .withSteps(6)
                .withScheduler("DDIM")
                .withNegativeStart(dev.torchsd.pipeline.StepPoint.AUTO);
        GenerationResult picked = sd.generate(auto);
        GenerationResult fixed = sd.generate(picked.request());
        assertThat(fixed.latents().values()).containsExactly(picked.latents().values());
        assertThat(sd.generate(auto).latents().values())
                .containsExactly(picked.latents().values());
    }

    @Test
    void theMemoryEstimateKnowsSdxl() {
        var manifest = Internals.model(sd).manifest();
        long small = MemoryEstimate.bytesNeeded(manifest, Internals.resolve(request("a"), manifest))
                .orElseThrow();
        long large = MemoryEstimate.bytesNeeded(
                        manifest, Internals.resolve(request("a").withSize(1024, 1024), manifest))
                .orElseThrow();
        assertThat(large).isGreaterThan(100 * small);
        assertThat(List.of(manifest.defaultWidth(), manifest.defaultHeight())).containsExactly(1024, 1024);
    }
}
