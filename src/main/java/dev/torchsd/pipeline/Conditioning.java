package dev.torchsd.pipeline;

import dev.torchsd.model.Model;
import dev.torchsd.prompt.PromptEncoder;
import dev.torchsd.prompt.ScheduledConditioning;
import dev.torchsd.tokenizer.Encoding;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * The text conditioning of a request, encoded once: {@code [negative x B; positive x B]} for calls
 * inside the negative-prompt window, {@code [empty x B; positive x B]} outside it, and
 * {@code positive x B} alone without guidance. The tensors belong to the caller's PointerScope.
 * Prompts in AUTOMATIC1111's syntax are delegated to {@link ScheduledConditioning}, whose context
 * may change from step to step.
 */
final class Conditioning {
    private final Tensor withNegative;
    private final Tensor withoutNegative;
    private final ScheduledConditioning scheduled;

    private Conditioning(Tensor withNegative, Tensor withoutNegative) {
        this.withNegative = withNegative;
        this.withoutNegative = withoutNegative;
        this.scheduled = null;
    }

    private Conditioning(ScheduledConditioning scheduled) {
        this.withNegative = null;
        this.withoutNegative = null;
        this.scheduled = scheduled;
    }

    static Conditioning encode(Model model, GenerationRequest r, NegativeWindow.Resolved window, List<String> warnings) {
        if (r.promptSyntax().a1111()) {
            return new Conditioning(ScheduledConditioning.encode(
                    PromptEncoder.forModel(model, r.promptSyntax(), r.clipSkip()), r.prompt(), r.negativePrompt(),
                    r.steps(), r.batchSize(), r.usesGuidance(), !window.always()));
        }
        Tensor positive = repeat(encodeOne(model, r.prompt(), r.clipSkip(), "prompt", warnings), r.batchSize());
        if (!r.usesGuidance()) {
            return new Conditioning(positive, positive);
        }
        Tensor withNegative = window.never() ? null : guidanceBatch(
                encodeOne(model, r.negativePrompt(), r.clipSkip(), "negative prompt", warnings), positive, r.batchSize());
        Tensor withoutNegative = window.always() ? null
                : r.negativePrompt().isEmpty() && withNegative != null ? withNegative
                : guidanceBatch(encodeOne(model, "", r.clipSkip(), "empty prompt", warnings), positive, r.batchSize());
        return new Conditioning(withNegative, withoutNegative);
    }

    /** The context for a U-Net call, by whether the negative prompt is active there (the first step's, when scheduled). */
    Tensor at(boolean negativeActive) {
        return at(0, 1, negativeActive);
    }

    /** The context for U-Net call {@code call} of {@code calls}. */
    Tensor at(int call, int calls, boolean negativeActive) {
        if (scheduled != null) {
            return scheduled.contextAt(call, calls, negativeActive);
        }
        return negativeActive ? withNegative : withoutNegative;
    }

    /** The longest text context of the request, in tokens: 77 for plain prompts, 77 per chunk otherwise. */
    long contextTokens() {
        return scheduled != null ? scheduled.maxContextTokens() : MemoryEstimate.PLAIN_CONTEXT_TOKENS;
    }

    private static Tensor guidanceBatch(Tensor unconditional, Tensor positive, int batch) {
        return torch.cat(new TensorVector(repeat(unconditional, batch), positive), 0);
    }

    private static Tensor encodeOne(Model model, String text, int clipSkip, String what, List<String> warnings) {
        Encoding encoding = model.encodePrompt(text);
        if (encoding.truncated() > 0) {
            warnings.add("the " + what + " is longer than " + model.tokenizer().maxLength() + " tokens: "
                    + encoding.truncated() + " token(s) were truncated");
        }
        return model.textEncoder().encode(new int[][] {encoding.ids()}, clipSkip);
    }

    private static Tensor repeat(Tensor oneRow, int batch) {
        return batch == 1 ? oneRow : oneRow.repeat(batch, 1, 1);
    }
}
