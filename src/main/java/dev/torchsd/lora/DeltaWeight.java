package dev.torchsd.lora;

import dev.torchsd.embedding.StoredTensor;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

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
 */
final class DeltaWeight {
    private DeltaWeight() {
    }

    /** ΔW in its natural shape; a LoraException names the module and shapes when they do not combine. */
    static Tensor compute(LoraModule m) {
        try {
            return Tensors.scoped(() -> switch (m.kind()) {
                case LORA -> lora(m);
                case LOHA -> torch.mul(hadaFactor(m, "1"), hadaFactor(m, "2"));
                case LOKR -> lokr(m);
            });
        } catch (RuntimeException e) {
            if (e instanceof LoraException) {
                throw e;
            }
            throw new LoraException(m.key() + ": its tensors do not combine (" + shapes(m) + ")");
        }
    }

    private static Tensor lora(LoraModule m) {
        Tensor down = tensor(m, "lora_down.weight");
        Tensor up = flat(tensor(m, "lora_up.weight"));
        if (m.has("lora_mid.weight")) {
            return cp(up, tensor(m, "lora_mid.weight"), flat(down));
        }
        long[] shape = Tensors.shape(down);
        long[] out = shape.clone();
        out[0] = up.size(0);
        return up.matmul(flat(down)).reshape(out);
    }

    private static Tensor hadaFactor(LoraModule m, String n) {
        Tensor a = tensor(m, "hada_w" + n + "_a");
        Tensor b = tensor(m, "hada_w" + n + "_b");
        if (m.has("hada_t" + n)) {
            return cp(a.t(), tensor(m, "hada_t" + n), b);
        }
        return flat(a).matmul(flat(b));
    }

    private static Tensor lokr(LoraModule m) {
        Tensor w1 = m.has("lokr_w1") ? tensor(m, "lokr_w1") : tensor(m, "lokr_w1_a").matmul(tensor(m, "lokr_w1_b"));
        Tensor w2;
        if (m.has("lokr_w2")) {
            w2 = tensor(m, "lokr_w2");
        } else if (m.has("lokr_t2")) {
            w2 = cp(tensor(m, "lokr_w2_a").t(), tensor(m, "lokr_t2"), tensor(m, "lokr_w2_b"));
        } else {
            w2 = tensor(m, "lokr_w2_a").matmul(tensor(m, "lokr_w2_b"));
        }
        if (w2.dim() == 4 && w1.dim() == 2) {
            w1 = w1.unsqueeze(2).unsqueeze(2);
        }
        return torch.kron(w1, w2.contiguous());
    }

    /** Σ_{n,m} left[o, n] core[n, m, h, w] right[m, i] as [o, i, h, w]. */
    private static Tensor cp(Tensor left, Tensor core, Tensor right) {
        if (core.dim() != 4) {
            throw new IllegalArgumentException("a CP core has 4 dimensions");
        }
        return left.matmul(core.permute(2, 3, 0, 1)).matmul(right).permute(2, 3, 0, 1).contiguous();
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
        m.tensors().forEach((suffix, t) -> text.append(text.length() == 0 ? "" : ", ").append(suffix)
                .append(' ').append(Arrays.toString(t.shape())));
        return text.toString();
    }
}
