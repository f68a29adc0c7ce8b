package dev.torchsd.cli;

import static dev.torchsd.Differences.maxPixelDifference;
import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.StableDiffusion;
import dev.torchsd.TestSafetensors;
import dev.torchsd.TestSafetensors.Values;
import dev.torchsd.image.PngWriter;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --lora}, {@code --lora-dir} with {@code <lora:…>} tags, and {@code torchsd lora inspect}. */
class LoraCommandTest {
    static final String Q = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q";
    static final String TE = "lora_te_text_model_encoder_layers_1_mlp_fc1";

    @TempDir
    static Path dir;

    static Path style;

    @BeforeAll
    static void writeALora() throws Exception {
        Random random = new Random(31);
        Map<String, Values> tensors = new LinkedHashMap<>();
        tensors.put(Q + ".lora_down.weight", values(random, 4, 64));
        tensors.put(Q + ".lora_up.weight", values(random, 64, 4));
        tensors.put(TE + ".lora_down.weight", values(random, 4, 32));
        tensors.put(TE + ".lora_up.weight", values(random, 64, 4));
        tensors.put(TE + ".alpha", new Values(new long[0], new float[] {2}));
        style = dir.resolve("style.safetensors");
        TestSafetensors.write(style, tensors, Map.of("ss_network_module", "networks.lora"));
    }

    static Values values(Random random, int rows, int columns) {
        float[] v = new float[rows * columns];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * 0.3);
        }
        return new Values(new long[] {rows, columns}, v);
    }

    @Test
    void loraOptionIsTheRequestsLora() throws Exception {
        Path png = dir.resolve("lora.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "a small red circle",
                "-s",
                "4",
                "--steps",
                "3",
                "-q",
                "--lora",
                style + ":0.8:0.3",
                "-o",
                png.toString());
        assertEquals(0, r.exitCode(), r.err());
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            var expected = sd.generate(GenerationRequest.builder("a small red circle")
                    .seed(4)
                    .steps(3)
                    .lora(new LoraWeight(style, 0.8, 0.3))
                    .build());
            assertThat(maxPixelDifference(ImageIO.read(png.toFile()), expected.image()))
                    .isZero();
        }
    }

    @Test
    void promptTagsAreLookedUpInTheLoraDir() throws Exception {
        Path png = dir.resolve("tag.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "<lora:style:0.8> a small red circle",
                "-s",
                "4",
                "--steps",
                "3",
                "-q",
                "--prompt-syntax",
                "a1111",
                "--lora-dir",
                dir.toString(),
                "-o",
                png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(PngWriter.readParameters(png))
                .startsWith("<lora:style:0.8> a small red circle\n")
                .containsPattern("Lora hashes: \"style: [0-9a-f]{12}\"");
        GenerateCommandTest.Run unknown = run(
                "generate",
                "-p",
                "<lora:nope:1> a circle",
                "--steps",
                "1",
                "-q",
                "--prompt-syntax",
                "a1111",
                "--lora-dir",
                dir.toString(),
                "-o",
                dir.resolve("x.png").toString());
        assertEquals(Main.USER_ERROR, unknown.exitCode());
        assertThat(unknown.err()).contains("no LoRA named 'nope'").containsPattern("it has \\[.*style.*\\]");
    }

    @Test
    void inspectShowsFormatRanksTargetsAndMatches() {
        GenerateCommandTest.Run r = run("lora", "inspect", style.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out())
                .contains("format: kohya LoRA")
                .contains("modules: 2 (1 U-Net, 1 text encoder)")
                .contains("ranks: [4]")
                .contains("alpha: [2.0, none]")
                .contains("attn1_to_q=1")
                .contains("mlp_fc1=1")
                .contains("matches the built-in model: 2 of 2 modules")
                .containsPattern("hash: [0-9a-f]{12}");
    }

    @Test
    void inspectRefusesWhatIsNotALora() throws Exception {
        Path checkpoint = dir.resolve("model.safetensors");
        TestSafetensors.write(
                checkpoint,
                Map.of(
                        "model.diffusion_model.out.2.weight",
                        new Values(new long[] {2}, new float[2]),
                        "model.diffusion_model.out.2.bias",
                        new Values(new long[] {2}, new float[2])),
                Map.of());
        GenerateCommandTest.Run r = run("lora", "inspect", checkpoint.toString());
        assertEquals(Main.USER_ERROR, r.exitCode());
        assertThat(r.err()).contains("not a LoRA file").contains("checkpoint");
    }

    @Test
    void loraArgumentWeights() {
        Path file = dir.resolve("absent.safetensors");
        assertThat(LoraArgument.parse(file.toString())).isEqualTo(new LoraWeight(file, 1, 1));
        assertThat(LoraArgument.parse(file + ":0.5")).isEqualTo(new LoraWeight(file, 0.5, 0.5));
        assertThat(LoraArgument.parse(file + ":0.5:-0.25")).isEqualTo(new LoraWeight(file, 0.5, -0.25));
        assertThat(LoraArgument.parse(style.toString())).isEqualTo(new LoraWeight(style, 1, 1));
    }
}
