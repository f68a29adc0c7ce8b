package dev.torchsd.lora;

import dev.torchsd.embedding.StoredTensor;
import dev.torchsd.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ΔW of one module, in float32 on the CPU, before scale and multiplier, as kohya and LyCORIS define
 * it (AUTOMATIC1111's extensions-builtin/Lora computes the same):
 * <ul>
 * <li>LoRA: {@code up @ down} over the flattened kernel (3x3: ΔW[o, i, h, w] = Σ_r up[o, r] down[r, i, h, w]);
 *     with {@code lora_mid} (CP): ΔW[o, i, h, w] = Σ_{n,m} up[o, n] mid[n, m, h, w] down[m, i];</li>
 * <li>LoHa: {@code (w1a @ w1b) ⊙ (w2a @ w2b)}, each factor through its CP core {@code hada_t1/t2} when present
 *     (then w_a is [rank, out], w_b is [rank, in]);</li>
 * <li>LoKr: {@code kron(w1, w2)}, w1 = {@code lokr_w1} or {@code w1_a @ w1_b}, w2 = {@code lokr_w2},
 *     {@code w2_a @ w2_b} or its CP form with {@code lokr_t2}.</li>
 * </ul>
 * The result is reshaped to the target's shape by the caller (linear and 1x1 layers have the same values).
 * Every product is checked against the target's size before it is computed, so a hostile file's
 * small factors cannot make a huge ΔW.
 */
final class DeltaWeight {
    private DeltaWeight() {}

    /**
     * ΔW in its natural shape; a LoraException names the module and shapes when they do not combine
     * or would make more than {@code limit} values (the target's size).
     */
    static Tensor compute(LoraModule m, long limit) {
        try {
            return Tensors.scoped(() -> switch (m.kind()) {
                case LORA -> lora(m, limit);
                case LOHA -> torch.mul(hadaFactor(m, "1", limit), hadaFactor(m, "2", limit));
                case LOKR -> lokr(m, limit);
            });
        } catch (RuntimeException e) {
            if (e instanceof LoraException) {
                throw e;
            }
            throw new LoraException(m.key() + ": its tensors do not combine (" + shapes(m) + ")");
        }
    }

    private static Tensor lora(LoraModule m, long limit) {
        Tensor down = tensor(m, "lora_down.weight");
        Tensor up = flat(tensor(m, "lora_up.weight"));
        if (m.has("lora_mid.weight")) {
            return cp(m, up, tensor(m, "lora_mid.weight"), flat(down), limit);
        }
        long[] shape = Tensors.shape(down);
        long[] out = shape.clone();
        out[0] = up.size(0);
        return mm(m, up, flat(down), limit).reshape(out);
    }

    private static Tensor hadaFactor(LoraModule m, String n, long limit) {
        Tensor a = tensor(m, "hada_w" + n + "_a");
        Tensor b = tensor(m, "hada_w" + n + "_b");
        if (m.has("hada_t" + n)) {
            return cp(m, a.t(), tensor(m, "hada_t" + n), b, limit);
        }
        return mm(m, flat(a), flat(b), limit);
    }

    private static Tensor lokr(LoraModule m, long limit) {
        Tensor w1 =
                m.has("lokr_w1") ? tensor(m, "lokr_w1") : mm(m, tensor(m, "lokr_w1_a"), tensor(m, "lokr_w1_b"), limit);
        Tensor w2;
        if (m.has("lokr_w2")) {
            w2 = tensor(m, "lokr_w2");
        } else if (m.has("lokr_t2")) {
            w2 = cp(m, tensor(m, "lokr_w2_a").t(), tensor(m, "lokr_t2"), tensor(m, "lokr_w2_b"), limit);
        } else {
            w2 = mm(m, tensor(m, "lokr_w2_a"), tensor(m, "lokr_w2_b"), limit);
        }
        checkSize(m, w1.numel() * w2.numel(), limit); // sizes come from a checked file: no overflow
        if (w2.dim() == 4 && w1.dim() == 2) {
            w1 = w1.unsqueeze(2).unsqueeze(2);
        }
        return torch.kron(w1, w2.contiguous());
    }

    /** Σ_{n,m} left[o, n] core[n, m, h, w] right[m, i] as [o, i, h, w]. */
    private static Tensor cp(LoraModule m, Tensor left, Tensor core, Tensor right, long limit) {
        if (core.dim() != 4 || left.dim() != 2 || right.dim() != 2) {
            throw new IllegalArgumentException("a CP core has 4 dimensions, its factors 2");
        }
        checkSize(m, left.size(0) * right.size(1) * core.size(2) * core.size(3), limit);
        return left.matmul(core.permute(2, 3, 0, 1))
                .matmul(right)
                .permute(2, 3, 0, 1)
                .contiguous();
    }

    private static Tensor mm(LoraModule m, Tensor a, Tensor b, long limit) {
        if (a.dim() != 2 || b.dim() != 2) {
            throw new IllegalArgumentException("matrices have 2 dimensions");
        }
        checkSize(m, a.size(0) * b.size(1), limit);
        return a.matmul(b);
    }

    private static void checkSize(LoraModule m, long values, long limit) {
        if (values > limit || values < 0) {
            throw new LoraException(m.key() + ": its tensors (" + shapes(m) + ") make more values than the layer it"
                    + " changes has (" + limit + ")");
        }
    }

    private static Tensor flat(Tensor t) {
        return t.reshape(t.size(0), -1);
    }

    private static Tensor tensor(LoraModule m, String suffix) {
        StoredTensor stored = m.tensor(suffix);
        return Tensors.fromFloats(stored.toFloats(), stored.shape());
    }

    private static String shapes(LoraModule m) {
        StringBuilder text = new StringBuilder();
        m.tensors()
                .forEach((suffix, t) -> text.append(text.length() == 0 ? "" : ", ")
                        .append(suffix)
                        .append(' ')
                        .append(Arrays.toString(t.shape())));
        return text.toString();
    }
}
