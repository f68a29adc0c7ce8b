package dev.torchsd.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.StableDiffusion;
import dev.torchsd.TestSafetensors;
import dev.torchsd.TestSafetensors.Values;
import dev.torchsd.lora.LoraReader;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of damaged LoRA files (kohya LoRA, LoHa and LoKr modules of the built-in model): each is
 * read or refused with torchsd's own exception, never another exception or an OutOfMemoryError; a
 * sample of them is also applied to the model (1 step), and the model still gives its base latents.
 * More cases: {@code -Dfuzz.cases=100000}.
 */
class LoraReaderFuzzTest {
    static final int CASES = Integer.getInteger("fuzz.cases", 1000);
    static final String Q = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q";
    static final String K = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_k";
    static final String V = "lora_te_text_model_encoder_layers_0_self_attn_v_proj";

    @TempDir
    Path tmp;

    @Test
    void damagedLoraFiles() throws Exception {
        Map<String, Values> tensors = new LinkedHashMap<>();
        tensors.put(Q + ".lora_down.weight", filled(2, 64));
        tensors.put(Q + ".lora_up.weight", filled(64, 2));
        tensors.put(Q + ".alpha", new Values(new long[0], new float[] {1}));
        tensors.put(K + ".hada_w1_a", filled(64, 2));
        tensors.put(K + ".hada_w1_b", filled(2, 64));
        tensors.put(K + ".hada_w2_a", filled(64, 2));
        tensors.put(K + ".hada_w2_b", filled(2, 64));
        tensors.put(V + ".lokr_w1", filled(2, 2));
        tensors.put(V + ".lokr_w2", filled(16, 16));
        Path good = tmp.resolve("good.safetensors");
        TestSafetensors.write(good, tensors, Map.of("ss_network_module", "lycoris.kohya"));
        byte[] original = Files.readAllBytes(good);
        Path file = tmp.resolve("damaged.safetensors");
        Mutator mutator = new Mutator(18);
        FuzzOutcomes outcomes = new FuzzOutcomes();
        FuzzOutcomes applied = new FuzzOutcomes();
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest request =
                    GenerationRequest.builder("a red circle").seed(1).steps(1).build();
            float[] base = sd.generate(request).latents().values();
            for (int i = 0; i < CASES; i++) {
                byte[] input = mutator.mutate(original);
                outcomes.run("LoRA file", i, input, bytes -> {
                    Files.write(file, bytes);
                    LoraReader.read(file);
                });
                if (i % 50 == 0) {
                    applied.run(
                            "applied LoRA file",
                            i,
                            input,
                            bytes -> sd.generate(request.withLora(LoraWeight.of(file, 1))));
                    assertThat(sd.generate(request).latents().values())
                            .as("case %d", i)
                            .isEqualTo(base);
                }
            }
        }
        System.out.println("LoRA fuzz: " + outcomes + "; applied: " + applied);
        assertEquals(CASES, outcomes.total());
    }

    static Values filled(int rows, int columns) {
        float[] v = new float[rows * columns];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i * 0.37) * 0.1f;
        }
        return new Values(new long[] {rows, columns}, v);
    }
}
