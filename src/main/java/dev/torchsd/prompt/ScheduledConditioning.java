package dev.torchsd.prompt;

import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The U-Net's text context for each call of a request in AUTOMATIC1111's syntax:
 * {@code [unconditional × B; positive × B]} with guidance, {@code positive × B} without.
 *
 * <ul>
 *   <li>Each distinct prompt of the schedules (prompt editing, alternation) is encoded once, when
 *       the request starts; contexts are put together on first use and kept for the request.</li>
 *   <li>The unconditional half is the negative prompt's schedule, or the empty prompt where the
 *       negative prompt is switched off (the request's negative window).</li>
 *   <li>When the two halves have different numbers of chunks, the shorter is padded with the empty
 *       prompt's chunk (AUTOMATIC1111's "pad prompt/negative prompt to be same length").</li>
 *   <li>U-Net call {@code call} of {@code calls} is at step {@code call × steps / calls} (rounded
 *       down): the step itself for one call per step, proportional for samplers with more.</li>
 * </ul>
 * Every tensor belongs to the PointerScope that is innermost when this object is made or used
 * (the pipeline's request scope).
 */
public final class ScheduledConditioning {
    static {
        LibTorch.ensureLoaded();
    }

    private final PromptEncoder encoder;
    private final PromptSchedule positive;
    private final PromptSchedule negative;
    private final int steps;
    private final int batch;
    private final boolean guidance;
    private final Map<List<Fragment>, Tensor> encoded = new HashMap<>();
    private final Map<List<List<Fragment>>, Tensor> contexts = new HashMap<>();

    private ScheduledConditioning(PromptEncoder encoder, PromptSchedule positive, PromptSchedule negative, int steps,
                                  int batch, boolean guidance) {
        this.encoder = encoder;
        this.positive = positive;
        this.negative = negative;
        this.steps = steps;
        this.batch = batch;
        this.guidance = guidance;
    }

    /**
     * Parses both prompts (errors name the prompt and the position) and encodes every distinct
     * prompt of their schedules.
     *
     * @param emptyNeeded whether the negative prompt is switched off for some calls
     */
    public static ScheduledConditioning encode(PromptEncoder encoder, String prompt, String negativePrompt, int steps,
                                               int batch, boolean guidance, boolean emptyNeeded) {
        PromptSchedule positive = PromptSchedule.of(prompt, steps, "prompt");
        PromptSchedule negative = guidance ? PromptSchedule.of(negativePrompt, steps, "negative prompt") : null;
        ScheduledConditioning c = new ScheduledConditioning(encoder, positive, negative, steps, batch, guidance);
        positive.entries().forEach(e -> c.encoded(e.fragments()));
        if (guidance) {
            negative.entries().forEach(e -> c.encoded(e.fragments()));
            if (emptyNeeded) {
                c.encoded(List.of());
            }
        }
        return c;
    }

    /** How many prompts were encoded (each distinct prompt once). */
    public int encodedPrompts() {
        return encoded.size();
    }

    /** The longest context any call can get, in tokens (77 per chunk): what the U-Net's cross-attention grows with. */
    public long maxContextTokens() {
        long longest = 0;
        for (Tensor t : encoded.values()) {
            longest = Math.max(longest, t.size(1));
        }
        return longest;
    }

    /** The context for U-Net call {@code call} of {@code calls}. */
    public Tensor contextAt(int call, int calls, boolean negativeActive) {
        int step = (int) ((long) call * steps / calls);
        List<Fragment> pos = positive.atStep(step).fragments();
        if (!guidance) {
            return contexts.computeIfAbsent(List.of(pos), k -> repeat(encoded(pos)));
        }
        List<Fragment> unconditional = negativeActive ? negative.atStep(step).fragments() : List.of();
        return contexts.computeIfAbsent(List.of(unconditional, pos), k -> Tensors.scoped(() -> {
            Tensor u = encoded(unconditional);
            Tensor p = encoded(pos);
            long length = Math.max(u.size(1), p.size(1));
            return torch.cat(new TensorVector(repeat(padded(u, length)), repeat(padded(p, length))), 0);
        }));
    }

    private Tensor encoded(List<Fragment> fragments) {
        return encoded.computeIfAbsent(fragments, f -> encoder.encode(encoder.chunks(f)));
    }

    /** {@code context} made {@code length} long with copies of the empty prompt's chunk. */
    private Tensor padded(Tensor context, long length) {
        if (context.size(1) == length) {
            return context;
        }
        long chunks = (length - context.size(1)) / PromptChunker.CHUNK_LENGTH;
        Tensor empty = encoded(List.of());
        return torch.cat(new TensorVector(context, empty.repeat(1, chunks, 1)), 1);
    }

    private Tensor repeat(Tensor oneRow) {
        return batch == 1 ? oneRow : oneRow.repeat(batch, 1, 1);
    }
}
