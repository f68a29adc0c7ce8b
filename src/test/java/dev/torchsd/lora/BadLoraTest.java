package dev.torchsd.lora;

import static dev.torchsd.lora.KohyaModules.TE_Q;
import static dev.torchsd.lora.KohyaModules.TE_Q_SIZE;
import static dev.torchsd.lora.KohyaModules.UNET_Q;
import static dev.torchsd.lora.KohyaModules.UNET_Q_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.StableDiffusion;
import dev.torchsd.TestSafetensors.Values;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.LoraWeight;
import dev.torchsd.pipeline.PromptSyntax;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that are not LoRAs, or not for this model: a clear error or warning, and the model unchanged (checked after each). */
class BadLoraTest {
    @TempDir
    static Path dir;

    static StableDiffusion sd;
    static GenerationResult base;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
        base = sd.generate(request());
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @AfterEach
    void modelIsUnchanged() {
        assertThat(sd.generate(request()).latents().values())
                .isEqualTo(base.latents().values());
    }

    static GenerationRequest request() {
        return GenerationRequest.builder("a small red circle in the middle, green background")
                .seed(7)
                .steps(3)
                .build();
    }

    static GenerationRequest with(Path file) {
        return request().withLora(LoraWeight.of(file, 1));
    }

    @Test
    void aCheckpointIsNotALora() throws Exception {
        KohyaModules m = new KohyaModules(1);
        Path file = m.tensor("model.diffusion_model.input_blocks.0.0.weight", m.values(4, 4))
                .write(dir.resolve("ckpt.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file)))
                .isInstanceOf(TorchsdException.class)
                .hasMessageContaining("not a LoRA file")
                .hasMessageContaining("checkpoint")
                .hasMessageContaining("model.diffusion_model.input_blocks.0.0.weight");
    }

    @Test
    void anSdxlLoraNamesTheUnmatchedKeys() throws Exception {
        Path file = new KohyaModules(2)
                .linear("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", 32, 32, 2)
                .linear("lora_te2_text_model_encoder_layers_0_self_attn_q_proj", 32, 32, 2)
                .linear(UNET_Q, UNET_Q_SIZE, UNET_Q_SIZE, 2)
                .write(dir.resolve("xl.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("SDXL")
                .hasMessageContaining("sd1")
                .hasMessageContaining("lora_te1_text_model_encoder_layers_0_self_attn_q_proj");
    }

    @Test
    void aFileMatchingNothingNamesItsFirstKeys() throws Exception {
        Path file = new KohyaModules(3)
                .linear("lora_unet_down_blocks_7_attentions_0_proj_in", 8, 8, 2)
                .write(dir.resolve("other.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("none of its 1 modules matches")
                .hasMessageContaining("lora_unet_down_blocks_7_attentions_0_proj_in");
    }

    @Test
    void aPartialMatchIsAppliedWithAWarning() throws Exception {
        Path file = new KohyaModules(4)
                .linear(UNET_Q, UNET_Q_SIZE, UNET_Q_SIZE, 2)
                .linear("lora_unet_down_blocks_7_attentions_0_proj_in", 8, 8, 2)
                .write(dir.resolve("partial.safetensors"));
        GenerationResult r = sd.generate(with(file));
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("1 of 2 modules match")
                        .contains("lora_unet_down_blocks_7_attentions_0_proj_in"));
        assertThat(r.latents().values()).isNotEqualTo(base.latents().values());
    }

    @Test
    void aShapeMismatchNamesKeyExpectedAndFound() throws Exception {
        Path file = new KohyaModules(5).linear(UNET_Q, UNET_Q_SIZE, 32, 2).write(dir.resolve("shape.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining(UNET_Q)
                .hasMessageContaining("[64, 32]")
                .hasMessageContaining("[64, 64]");
    }

    @Test
    void nanValuesAreRefused() throws Exception {
        KohyaModules m = new KohyaModules(6).linear(TE_Q, TE_Q_SIZE, TE_Q_SIZE, 2);
        Values up = m.values(TE_Q_SIZE, 2);
        up.values()[3] = Float.NaN;
        Path file = m.tensor(TE_Q + ".lora_up.weight", up).write(dir.resolve("nan.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining(TE_Q + ".lora_up.weight")
                .hasMessageContaining("NaN");
    }

    @Test
    void theSameLoraTwiceIsRefused() throws Exception {
        Path file = new KohyaModules(7).linear(TE_Q, TE_Q_SIZE, TE_Q_SIZE, 2).write(dir.resolve("twice.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file).withLora(LoraWeight.of(file, 0.5))))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("'twice' is given twice");
    }

    @Test
    void twoNamesForOneLayerAreRefused() throws Exception {
        // the diffusers path and the export's own (ldm) path of one layer
        Path file = new KohyaModules(8)
                .linear(UNET_Q, UNET_Q_SIZE, UNET_Q_SIZE, 2)
                .linear("lora_unet_input_blocks_3_1_transformer_blocks_0_attn1_to_q", UNET_Q_SIZE, UNET_Q_SIZE, 2)
                .write(dir.resolve("dup.safetensors"));
        assertThatThrownBy(() -> sd.generate(with(file)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("both change")
                .hasMessageContaining("input_blocks.3.1.transformer_blocks.0.attn1.to_q.weight");
    }

    @Test
    void anUnknownTagNameListsTheFolder() throws Exception {
        new KohyaModules(9).linear(TE_Q, TE_Q_SIZE, TE_Q_SIZE, 2).write(dir.resolve("known.safetensors"));
        GenerationRequest r =
                request()
                        .withPrompt("<lora:unknown:1> a small red circle")
                        .withPromptSyntax(PromptSyntax.A1111)
                        .toBuilder()
                        .loraFolder(dir)
                        .build();
        assertThatThrownBy(() -> sd.generate(r))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("no LoRA named 'unknown'")
                .hasMessageContaining("known");
    }

    @Test
    void aTagWithoutAFolderSaysWhatIsMissing() {
        GenerationRequest r =
                request().withPrompt("<lora:any:1> a small red circle").withPromptSyntax(PromptSyntax.A1111);
        assertThatThrownBy(() -> sd.generate(r))
                .isInstanceOf(TorchsdException.class)
                .hasMessageContaining("LoRA folder");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.safetensors");
        assertThatThrownBy(() -> sd.generate(with(missing)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining(missing.toString());
    }
}
