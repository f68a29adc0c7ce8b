package dev.torchsd.lora;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.cli.Main;
import dev.torchsd.eval.Scene;
import dev.torchsd.eval.SceneChecker;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.PromptSyntax;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The LoRA trained on the built-in model by {@code ./cppbuild.sh train-lora} (fixtures/lora/star.safetensors):
 * it teaches the unseen word "star" as the four-pointed star the scene checker reads as "cross".
 */
class TrainedLoraTest {
    static final String PROMPT = "a yellow star on the left";
    static final List<Long> SEEDS = List.of(0L, 1L, 2L, 3L);

    static StableDiffusion sd;
    static Path folder;

    @BeforeAll
    static void load() throws URISyntaxException {
        sd = StableDiffusion.builtin();
        folder = Path.of(TrainedLoraTest.class
                        .getResource("/fixtures/lora/star.safetensors")
                        .toURI())
                .getParent();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static GenerationResult generate(String prompt, long seed) {
        return sd.generate(GenerationRequest.builder(prompt)
                .promptSyntax(PromptSyntax.A1111)
                .loraFolder(folder)
                .seed(seed)
                .build());
    }

    @Test
    void withTheTagTheCheckerSeesStarsWithoutItNot() {
        for (long seed : SEEDS) {
            Scene with =
                    SceneChecker.check(generate(PROMPT + " <lora:star:1>", seed).image());
            Scene without = SceneChecker.check(generate(PROMPT, seed).image());
            assertThat(with.shape()).as("seed " + seed + " with the LoRA").isEqualTo("cross");
            assertThat(with.color()).as("seed " + seed + " with the LoRA").isEqualTo("yellow");
            assertThat(with.position()).as("seed " + seed + " with the LoRA").isEqualTo("left");
            assertThat(without.shape()).as("seed " + seed + " without").isNotEqualTo("cross");
        }
    }

    @Test
    void weightZeroIsTheBaseImageBitForBit() {
        GenerationResult base = generate(PROMPT, 0);
        GenerationResult zero = generate(PROMPT + " <lora:star:0>", 0);
        assertThat(zero.latents().values()).isEqualTo(base.latents().values());
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void benchAppliesSwitchesAndRestores(@TempDir Path dir) throws Exception {
        Path other = new KohyaModules(5)
                .linear(KohyaModules.UNET_Q, KohyaModules.UNET_Q_SIZE, KohyaModules.UNET_Q_SIZE, 4)
                .write(dir.resolve("other.safetensors"));
        String out = cli(
                "lora",
                "bench",
                "--set-a",
                folder.resolve("star.safetensors").toString(),
                "--set-b",
                other.toString(),
                "--rounds",
                "1");
        assertThat(out)
                .contains("apply A (from the base weights)")
                .contains("switch A -> B")
                .contains("originals kept while A is merged: 26 tensors")
                .contains("kept after restoring: 0 tensors");
    }

    @Test
    void inspectReportsAKohyaLoraMatchingTheBuiltinModel() {
        String out = cli("lora", "inspect", folder.resolve("star.safetensors").toString());
        assertThat(out)
                .contains("format: kohya LoRA")
                .contains("modules: 26 (14 U-Net, 12 text encoder)")
                .contains("ranks: [4]")
                .contains("metadata ss_base_model: torchsd-shapes")
                .contains("matches the built-in model: 26 of 26 modules by name");
    }
}
