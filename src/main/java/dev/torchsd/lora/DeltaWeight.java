package dev.torchsd.lora;

import dev.torchsd.embedding.StoredTensor;
import dev.torchsd.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
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
 *
 * @param m       the module
 * @param limit   the values of the layer it changes
 * @param meta    whether to work out shapes only, on libtorch's meta device
 * @param scratch where a LoRA's product goes (null on the meta device)
 */
record DeltaWeight(LoraModule m, long limit, boolean meta, Tensor scratch) {

    /**
     * ΔW in its natural shape; a LoraException names the module and shapes when they do not combine
     * or would make more than {@code limit} values (the target's size). A LoRA's (up · down) is written
     * into {@code scratch} (float32, at least {@code limit} values; the result is a view of it, valid
     * until the next call), the other forms into a new tensor: a merge reuses one buffer for all
     * its products instead of allocating (and page-faulting) each one.
     */
    static Tensor compute(LoraModule m, long limit, Tensor scratch) {
        return new DeltaWeight(m, limit, false, scratch).combine();
    }

    /**
     * ΔW's shape, worked out by the same operations on libtorch's meta device (shapes only, no values,
     * no product computed): the same checks and errors as {@link #compute}, for checking a plan cheaply.
     */
    static long[] shape(LoraModule m, long limit) {
        try (PointerScope scope = new PointerScope()) {
            return Tensors.shape(new DeltaWeight(m, limit, true, null).combine());
        }
    }

    private Tensor combine() {
        try {
            return Tensors.scoped(() -> switch (m.kind()) {
                case LORA -> lora();
                case LOHA -> torch.mul(hadaFactor("1"), hadaFactor("2"));
                case LOKR -> lokr();
            });
        } catch (RuntimeException e) {
            if (e instanceof LoraException) {
                throw e;
            }
            throw new LoraException(m.key() + ": its tensors do not combine (" + shapes() + ")");
        }
    }

    private Tensor lora() {
        Tensor down = tensor("lora_down.weight");
        Tensor up = flat(tensor("lora_up.weight"));
        if (m.has("lora_mid.weight")) {
            return cp(up, tensor("lora_mid.weight"), flat(down));
        }
        long[] shape = Tensors.shape(down);
        long[] out = shape.clone();
        out[0] = up.size(0);
        Tensor flatDown = flat(down);
        if (meta) {
            return mm(up, flatDown).reshape(out);
        }
        checkSize(up.size(0) * flatDown.size(1));
        Tensor into = scratch.narrow(0, 0, up.size(0) * flatDown.size(1)).view(up.size(0), flatDown.size(1));
        return torch.mm_out(into, up, flatDown).reshape(out); // the product matmul makes, into the scratch buffer
    }

    private Tensor hadaFactor(String n) {
        Tensor a = tensor("hada_w" + n + "_a");
        Tensor b = tensor("hada_w" + n + "_b");
        if (m.has("hada_t" + n)) {
            return cp(a.t(), tensor("hada_t" + n), b);
        }
        return mm(flat(a), flat(b));
    }

    private Tensor lokr() {
        Tensor w1 = m.has("lokr_w1") ? tensor("lokr_w1") : mm(tensor("lokr_w1_a"), tensor("lokr_w1_b"));
        Tensor w2;
        if (m.has("lokr_w2")) {
            w2 = tensor("lokr_w2");
        } else if (m.has("lokr_t2")) {
            w2 = cp(tensor("lokr_w2_a").t(), tensor("lokr_t2"), tensor("lokr_w2_b"));
        } else {
            w2 = mm(tensor("lokr_w2_a"), tensor("lokr_w2_b"));
        }
        checkSize(w1.numel() * w2.numel()); // sizes come from a checked file: no overflow
        if (w2.dim() == 4 && w1.dim() == 2) {
            w1 = w1.unsqueeze(2).unsqueeze(2);
        }
        return torch.kron(w1, w2.contiguous());
    }

    /** Σ_{n,m} left[o, n] core[n, m, h, w] right[m, i] as [o, i, h, w]. */
    private Tensor cp(Tensor left, Tensor core, Tensor right) {
        if (core.dim() != 4 || left.dim() != 2 || right.dim() != 2) {
            throw new IllegalArgumentException("a CP core has 4 dimensions, its factors 2");
        }
        checkSize(left.size(0) * right.size(1) * core.size(2) * core.size(3));
        return left.matmul(core.permute(2, 3, 0, 1))
                .matmul(right)
                .permute(2, 3, 0, 1)
                .contiguous();
    }

    private Tensor mm(Tensor a, Tensor b) {
        if (a.dim() != 2 || b.dim() != 2) {
            throw new IllegalArgumentException("matrices have 2 dimensions");
        }
        checkSize(a.size(0) * b.size(1));
        return a.matmul(b);
    }

    private void checkSize(long values) {
        if (values > limit || values < 0) {
            throw new LoraException(m.key() + ": its tensors (" + shapes() + ") make more values than the layer it"
                    + " changes has (" + limit + ")");
        }
    }

    private static Tensor flat(Tensor t) {
        return t.reshape(t.size(0), -1);
    }

    /** A factor in float32: its stored values, or on the meta device only its shape. */
    private Tensor tensor(String suffix) {
        StoredTensor stored = m.tensor(suffix);
        return meta ? FactorTensors.meta(stored.shape()) : FactorTensors.float32(stored);
    }

    private String shapes() {
        StringBuilder text = new StringBuilder();
        m.tensors()
                .forEach((suffix, t) -> text.append(text.length() == 0 ? "" : ", ")
                        .append(suffix)
                        .append(' ')
                        .append(Arrays.toString(t.shape())));
        return text.toString();
    }
}
