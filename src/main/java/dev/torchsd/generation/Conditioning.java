package dev.torchsd.generation;

import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.prompt.Fragment;
import dev.torchsd.prompt.PromptChunker;
import dev.torchsd.prompt.PromptEncoder;
import dev.torchsd.prompt.PromptSchedule;
import dev.torchsd.tensor.Tensors;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The U-Net's text context for each call of a request, the one conditioning path of every prompt:
 * {@code [unconditional × B; positive × B]} with guidance, {@code positive × B} without.
 *
 * <ul>
 *   <li>Each prompt is a {@link PromptSchedule}: a plain prompt is the trivial one (one entry for all
 *       steps), AUTOMATIC1111's prompt editing and alternation give more. Each distinct prompt of the
 *       schedules is encoded once, when the request starts; contexts are put together on first use
 *       and kept for the request.</li>
 *   <li>The unconditional half is the negative prompt's schedule, or the empty prompt where the
 *       negative prompt is switched off (the request's negative window).</li>
 *   <li>Clip skip: the prompt from layer {@code clipSkip}, the unconditional half from the request's
 *       {@link GenerationRequest#negativeClipSkip()} — by default the last layer for plain prompts
 *       (diffusers) and {@code clipSkip} for AUTOMATIC1111's syntax (AUTOMATIC1111).</li>
 *   <li>When the two halves have different numbers of chunks, the shorter is padded with the empty
 *       prompt's chunk (AUTOMATIC1111's "pad prompt/negative prompt to be same length").</li>
 *   <li>U-Net call {@code call} of {@code calls} is at step {@code call × steps / calls} (rounded
 *       down): the step itself for one call per step, proportional for samplers with more.</li>
 * </ul>
 * Every tensor belongs to the PointerScope that is innermost when this object is made or used
 * (the pipeline's request scope).
 */
public final class Conditioning {
    /** A prompt encoded from one text-encoder layer. */
    private record Key(List<Fragment> fragments, int clipSkip) {}

    private final PromptEncoder encoder;
    private final PromptSchedule positive;
    private final PromptSchedule negative;
    private final int steps;
    private final int batch;
    private final boolean guidance;
    private final int clipSkip;
    private final int negativeClipSkip;
    private final Map<Key, Tensor> encoded = new HashMap<>();
    private final Map<List<List<Fragment>>, Tensor> contexts = new HashMap<>();
    /** Three-way contexts by their two-way context (which names the negative and positive prompts). */
    private final IdentityHashMap<Tensor, Tensor> threeWay = new IdentityHashMap<>();

    private Conditioning(
            PromptEncoder encoder,
            PromptSchedule positive,
            PromptSchedule negative,
            int steps,
            int batch,
            boolean guidance,
            int clipSkip,
            int negativeClipSkip) {
        this.encoder = encoder;
        this.positive = positive;
        this.negative = negative;
        this.steps = steps;
        this.batch = batch;
        this.guidance = guidance;
        this.clipSkip = clipSkip;
        this.negativeClipSkip = negativeClipSkip;
    }

    /**
     * Reads both prompts as the request's syntax says (errors name the prompt and the position) and
     * encodes every distinct prompt of their schedules that some call will use.
     *
     * @param r        a resolved request (its negative clip skip present)
     * @param warnings where truncated prompts are reported
     */
    public static Conditioning encode(
            Model model, GenerationRequest r, NegativeWindow.Resolved window, List<String> warnings) {
        PromptEncoder encoder = PromptEncoder.forModel(model, r.promptSyntax());
        PromptSchedule positive = PromptSchedule.read(r.prompt(), r.steps(), r.promptSyntax(), "prompt");
        boolean guidance = r.usesGuidance();
        PromptSchedule negative = guidance && !window.never()
                ? PromptSchedule.read(r.negativePrompt(), r.steps(), r.promptSyntax(), "negative prompt")
                : null;
        int negativeClipSkip = r.negativeClipSkip().orElseThrow();
        Conditioning c = new Conditioning(
                encoder, positive, negative, r.steps(), r.batchSize(), guidance, r.clipSkip(), negativeClipSkip);
        int maxLength = model.tokenizer().maxLength();
        positive.entries().forEach(e -> c.encodeOnce(e.fragments(), r.clipSkip(), "prompt", maxLength, warnings));
        if (negative != null) {
            negative.entries()
                    .forEach(
                            e -> c.encodeOnce(e.fragments(), negativeClipSkip, "negative prompt", maxLength, warnings));
        }
        if (guidance && !window.always()) {
            c.encodeOnce(List.of(), negativeClipSkip, "empty prompt", maxLength, warnings);
        }
        return c;
    }

    /** How many prompts were encoded (each distinct prompt and layer once). */
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
    public Tensor at(int call, int calls, boolean negativeActive) {
        int step = (int) ((long) call * steps / calls);
        List<Fragment> pos = positive.atStep(step).fragments();
        if (!guidance) {
            return positiveAt(call, calls);
        }
        List<Fragment> unconditional = negativeActive ? negative.atStep(step).fragments() : List.of();
        return contexts.computeIfAbsent(
                List.of(unconditional, pos),
                k -> Tensors.scoped(() -> {
                    Tensor u = encoded(unconditional, negativeClipSkip);
                    Tensor p = encoded(pos, clipSkip);
                    long length = Math.max(u.size(1), p.size(1));
                    return torch.cat(
                            new TensorVector(
                                    repeat(padded(u, length, negativeClipSkip)), repeat(padded(p, length, clipSkip))),
                            0);
                }));
    }

    /** The positive prompt's context alone ({@code positive × B}) for call {@code call}: a call without guidance. */
    public Tensor positiveAt(int call, int calls) {
        List<Fragment> pos =
                positive.atStep((int) ((long) call * steps / calls)).fragments();
        return contexts.computeIfAbsent(List.of(pos), k -> repeat(encoded(pos, clipSkip)));
    }

    /** The context {@code [empty; negative; positive]} for call {@code call}, with the negative prompt active. */
    public Tensor withEmpty(int call, int calls) {
        Tensor twoWay = at(call, calls, true);
        Tensor empty = at(call, calls, false);
        if (twoWay.size(1) != empty.size(1)) {
            throw new IllegalStateException("the empty prompt's context is " + empty.size(1) + " tokens, the negative"
                    + " prompt's " + twoWay.size(1) + ": a three-way batch needs them equal");
        }
        return threeWay.computeIfAbsent(
                twoWay, k -> Tensors.scoped(() -> torch.cat(new TensorVector(empty.narrow(0, 0, batch), twoWay), 0)));
    }

    private void encodeOnce(List<Fragment> fragments, int layer, String what, int maxLength, List<String> warnings) {
        Key key = new Key(fragments, layer);
        if (encoded.containsKey(key)) {
            return;
        }
        PromptEncoder.Chunks chunks = encoder.chunks(fragments);
        if (chunks.truncated() > 0) {
            warnings.add("the " + what + " is longer than " + maxLength + " tokens: " + chunks.truncated()
                    + " token(s) were truncated");
        }
        encoded.put(key, encoder.encode(chunks.chunks(), layer));
    }

    private Tensor encoded(List<Fragment> fragments, int layer) {
        return encoded.computeIfAbsent(
                new Key(fragments, layer),
                k -> encoder.encode(encoder.chunks(fragments).chunks(), layer));
    }

    /** {@code context} made {@code length} long with copies of the empty prompt's chunk. */
    private Tensor padded(Tensor context, long length, int layer) {
        if (context.size(1) == length) {
            return context;
        }
        long chunks = (length - context.size(1)) / PromptChunker.CHUNK_LENGTH;
        Tensor empty = encoded(List.of(), layer);
        return torch.cat(new TensorVector(context, empty.repeat(1, chunks, 1)), 1);
    }

    private Tensor repeat(Tensor oneRow) {
        return batch == 1 ? oneRow : oneRow.repeat(batch, 1, 1);
    }
}
