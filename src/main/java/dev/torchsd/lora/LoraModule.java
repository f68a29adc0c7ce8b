package dev.torchsd.lora;

import dev.torchsd.embedding.StoredTensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One layer's change in a LoRA file: the tensors under one module name, by suffix.
 * PEFT's {@code lora_A.weight} / {@code lora_B.weight} are stored as kohya's {@code lora_down.weight}
 * / {@code lora_up.weight}, so every layout reaches {@link DeltaWeight} in kohya's terms.
 *
 * @param key     the module's name in the file ({@code lora_unet_down_blocks_0_…}, {@code unet.down_blocks.0.…})
 * @param part    the network it changes
 * @param path    the module path with {@code _} for {@code .} and the prefix removed, as {@link KeyMap} looks it up;
 *                SDXL's second-encoder prefixes stay in front ({@code lora_te1:…}, {@code text_encoder_2:…}),
 *                which no SD 1.x/2.x key map has
 * @param kind    the decomposition
 * @param tensors the tensors by suffix ({@code lora_down.weight}, {@code hada_w1_a}, {@code lokr_w2}, {@code alpha}, …)
 */
public record LoraModule(String key, Part part, String path, Kind kind, Map<String, StoredTensor> tensors) {

    /** Whether the module names SDXL's text encoders ({@code lora_te1_}, {@code lora_te2_}). */
    public boolean sdxlTextEncoder() {
        return key.startsWith("lora_te1_") || key.startsWith("lora_te2_") || part == Part.TEXT_ENCODER_2;
    }

    /** How ΔW is stored. */
    public enum Kind {
        /** kohya LoRA and LoCon: {@code up @ down}, optionally around a CP core ({@code lora_mid}). */
        LORA("lora_up.weight", "lora_down.weight"),
        /** LyCORIS LoHa: the Hadamard product of two low-rank products. */
        LOHA("hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b"),
        /** LyCORIS LoKr: the Kronecker product of two (possibly factored) matrices. */
        LOKR();

        @SuppressWarnings("ImmutableEnumChecker") // List.of is unmodifiable; Error Prone cannot see that
        private final List<String> required;

        Kind(String... required) {
            this.required = List.of(required);
        }

        List<String> required() {
            return required;
        }
    }

    public boolean has(String suffix) {
        return tensors.containsKey(suffix);
    }

    public StoredTensor tensor(String suffix) {
        StoredTensor t = tensors.get(suffix);
        if (t == null) {
            throw new LoraException(key + ": no '" + suffix + "' tensor; the module has " + tensors.keySet());
        }
        return t;
    }

    /** The stored alpha, when there is one. */
    public Optional<Float> alpha() {
        return has("alpha") ? Optional.of(tensor("alpha").toFloats()[0]) : Optional.empty();
    }

    /** The rank the scale divides alpha by (kohya: lora_down's rows; LoHa: w1_b's; LoKr: the factored one's), or 0 when there is none. */
    public long rank() {
        return switch (kind) {
            case LORA -> tensor("lora_down.weight").shape()[0];
            case LOHA -> tensor("hada_w1_b").shape()[0];
            case LOKR ->
                has("lokr_w1_b")
                        ? tensor("lokr_w1_b").shape()[0]
                        : has("lokr_w2_b") ? tensor("lokr_w2_b").shape()[0] : 0;
        };
    }

    /**
     * alpha / rank as kohya scales it; LoRA without alpha (or with 0) means alpha = rank, LyCORIS
     * without alpha or without a factored matrix (full LoKr) scales by 1, as AUTOMATIC1111.
     */
    public double scale() {
        long rank = rank();
        Optional<Float> alpha = alpha();
        if (rank == 0 || alpha.isEmpty() || (kind == Kind.LORA && alpha.get() == 0)) {
            return 1.0;
        }
        return alpha.get() / (double) rank;
    }
}
