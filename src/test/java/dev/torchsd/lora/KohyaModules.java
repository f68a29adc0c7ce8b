package dev.torchsd.lora;

import dev.torchsd.TestSafetensors;
import dev.torchsd.TestSafetensors.Values;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small kohya LoRA files written from Java, for tests that need no Python: modules added one by one. */
public final class KohyaModules {
    /** Linear modules of the built-in model, with their [out, in]. */
    public static final String UNET_Q = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q";

    public static final String TE_Q = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
    public static final long UNET_Q_SIZE = 64;
    public static final long TE_Q_SIZE = 32;

    private final Map<String, Values> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Random random;

    public KohyaModules(long seed) {
        random = new Random(seed);
    }

    /** A rank-{@code rank} linear module {@code name} of [out, in] with alpha = rank / 2. */
    public KohyaModules linear(String name, long out, long in, int rank) {
        tensors.put(name + ".lora_down.weight", values(rank, in));
        tensors.put(name + ".lora_up.weight", values(out, rank));
        tensors.put(name + ".alpha", new Values(new long[0], new float[] {rank / 2f}));
        return this;
    }

    KohyaModules tensor(String key, Values values) {
        tensors.put(key, values);
        return this;
    }

    KohyaModules metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The tensors so far, by key. */
    Map<String, Values> tensors() {
        return tensors;
    }

    public Path write(Path file) throws Exception {
        TestSafetensors.write(file, tensors, metadata);
        return file;
    }

    Values values(long... shape) {
        int count = 1;
        for (long s : shape) {
            count *= (int) s;
        }
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (random.nextGaussian() * 0.2);
        }
        return new Values(shape, v);
    }
}
