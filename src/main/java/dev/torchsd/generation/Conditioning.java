package dev.torchsd.generation;

import dev.torchsd.model.Manifest;
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
 * SDXL: each prompt goes through both text encoders ({@link PromptEncoder}); each call also gets the U-Net's
 * extra inputs ({@link #extrasAt}), batched as the context: the pooled embedding of each half's prompt and the
 * time ids ({@link SdxlTimeIds}) of the negative or positive side; without a negative prompt on a model with
 * {@code force_zeros_for_empty_prompt}, the unconditional context and pooled embedding are zeros (diffusers),
 * unless the request asks to encode the empty prompt.
 *
 * <p>Every tensor belongs to the PointerScope that is innermost when this object is made or used
 * (the pipeline's request scope).
 */
public final class Conditioning {
    /** A prompt encoded from one text-encoder layer. */
    private record Key(List<Fragment> fragments, int clipSkip) {}

    /** A prompt's hidden states (1, 77 × chunks, context) and pooled embedding (1, projection; null for SD 1.x/2.x). */
    private record Encoded(Tensor hidden, Tensor pooled) {}

    /** Which prompts a call's unconditional and positive halves are. */
    private record Halves(List<Fragment> unconditional, List<Fragment> positive) {}

    private final PromptEncoder encoder;
    private final PromptSchedule positive;
    private final PromptSchedule negative;
    private final int steps;
    private final int batch;
    private final boolean guidance;
    private final int clipSkip;
    private final int negativeClipSkip;
    /** SDXL's time ids, null for a U-Net without extra inputs. */
    private final SdxlTimeIds timeIds;
    /** An empty unconditional prompt is zeros (SDXL base's force_zeros_for_empty_prompt). */
    private final boolean zeroEmpty;

    private final Map<Key, Encoded> encoded = new HashMap<>();
    private final Map<List<List<Fragment>>, Tensor> contexts = new HashMap<>();
    private final Map<List<List<Fragment>>, Map<String, Tensor>> extras = new HashMap<>();
    /** Three-way contexts by their two-way context (which names the negative and positive prompts). */
    private final IdentityHashMap<Tensor, Tensor> threeWay = new IdentityHashMap<>();

    private final IdentityHashMap<Map<String, Tensor>, Map<String, Tensor>> threeWayExtras = new IdentityHashMap<>();

    private Conditioning(
            PromptEncoder encoder,
            PromptSchedule positive,
            PromptSchedule negative,
            int steps,
            int batch,
            boolean guidance,
            int clipSkip,
            int negativeClipSkip,
            SdxlTimeIds timeIds,
            boolean zeroEmpty) {
        this.encoder = encoder;
        this.positive = positive;
        this.negative = negative;
        this.steps = steps;
        this.batch = batch;
        this.guidance = guidance;
        this.clipSkip = clipSkip;
        this.negativeClipSkip = negativeClipSkip;
        this.timeIds = timeIds;
        this.zeroEmpty = zeroEmpty;
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
        boolean zeroEmpty =
                model.manifest().forceZerosForEmptyPrompt() && !r.sdxl().encodeEmptyNegative();
        Conditioning c = new Conditioning(
                encoder,
                positive,
                negative,
                r.steps(),
                r.batchSize(),
                guidance,
                r.clipSkip(),
                negativeClipSkip,
                SdxlTimeIds.of(model, r),
                zeroEmpty);
        int maxLength = model.tokenizer().maxLength();
        positive.entries().forEach(e -> c.encodeOnce(e.fragments(), r.clipSkip(), "prompt", maxLength, warnings));
        if (negative != null) {
            negative.entries().stream()
                    .filter(e -> !c.zeroed(e.fragments()))
                    .forEach(
                            e -> c.encodeOnce(e.fragments(), negativeClipSkip, "negative prompt", maxLength, warnings));
        }
        if (guidance && !window.always() && !zeroEmpty) {
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
        for (Encoded e : encoded.values()) {
            longest = Math.max(longest, e.hidden().size(1));
        }
        return longest;
    }

    /** The prompts of U-Net call {@code call} of {@code calls}'s halves. */
    private Halves halves(int call, int calls, boolean negativeActive) {
        int step = (int) ((long) call * steps / calls);
        List<Fragment> pos = positive.atStep(step).fragments();
        List<Fragment> unconditional =
                negativeActive && negative != null ? negative.atStep(step).fragments() : List.of();
        return new Halves(unconditional, pos);
    }

    /** What one U-Net call gets: the context and the extra inputs, rows in the same order. */
    public record CallInputs(Tensor context, Map<String, Tensor> extras) {}

    /**
     * The inputs of U-Net call {@code call} of {@code calls}: the positive prompt alone for a call without guidance
     * ({@code guided} false), {@code [empty; negative; positive]} when {@code withEmpty} and the negative prompt is
     * active, else {@code [negative or empty; positive]}.
     */
    public CallInputs inputsAt(int call, int calls, boolean guided, boolean negativeActive, boolean withEmpty) {
        if (!guided) {
            return new CallInputs(positiveAt(call, calls), positiveExtrasAt(call, calls));
        }
        if (withEmpty && negativeActive) {
            return new CallInputs(withEmpty(call, calls), extrasWithEmpty(call, calls));
        }
        return new CallInputs(at(call, calls, negativeActive), extrasAt(call, calls, negativeActive));
    }

    /** The context for U-Net call {@code call} of {@code calls}. */
    public Tensor at(int call, int calls, boolean negativeActive) {
        if (!guidance) {
            return positiveAt(call, calls);
        }
        Halves h = halves(call, calls, negativeActive);
        return contexts.computeIfAbsent(
                List.of(h.unconditional(), h.positive()),
                k -> Tensors.scoped(() -> {
                    Encoded p = encoded(h.positive(), clipSkip);
                    Tensor u = unconditional(h.unconditional(), p).hidden();
                    long length = Math.max(u.size(1), p.hidden().size(1));
                    return torch.cat(
                            new TensorVector(
                                    repeat(padded(u, length, negativeClipSkip, zeroed(h.unconditional()))),
                                    repeat(padded(p.hidden(), length, clipSkip, false))),
                            0);
                }));
    }

    /** The positive prompt's context alone ({@code positive × B}) for call {@code call}: a call without guidance. */
    public Tensor positiveAt(int call, int calls) {
        List<Fragment> pos = halves(call, calls, false).positive();
        return contexts.computeIfAbsent(
                List.of(pos), k -> repeat(encoded(pos, clipSkip).hidden()));
    }

    /**
     * The U-Net's extra inputs for call {@code call} of {@code calls}, rows as {@link #at}'s: SDXL's pooled
     * embeddings ({@code text_embeds}) and time ids ({@code time_ids}); none for SD 1.x/2.x.
     */
    public Map<String, Tensor> extrasAt(int call, int calls, boolean negativeActive) {
        if (timeIds == null) {
            return Map.of();
        }
        if (!guidance) {
            return positiveExtrasAt(call, calls);
        }
        Halves h = halves(call, calls, negativeActive);
        return extras.computeIfAbsent(List.of(h.unconditional(), h.positive()), k -> {
            Encoded p = encoded(h.positive(), clipSkip);
            Encoded u = unconditional(h.unconditional(), p);
            return Map.of(
                    Manifest.TEXT_EMBEDS,
                    Tensors.scoped(() -> torch.cat(new TensorVector(repeat(u.pooled()), repeat(p.pooled())), 0)),
                    Manifest.TIME_IDS,
                    Tensors.scoped(() ->
                            torch.cat(new TensorVector(repeat(timeIds.negative()), repeat(timeIds.positive())), 0)));
        });
    }

    /** The extra inputs of the positive prompt alone, rows as {@link #positiveAt}'s: a call without guidance. */
    public Map<String, Tensor> positiveExtrasAt(int call, int calls) {
        if (timeIds == null) {
            return Map.of();
        }
        List<Fragment> pos = halves(call, calls, false).positive();
        return extras.computeIfAbsent(List.of(pos), k -> {
            Encoded p = encoded(pos, clipSkip);
            return Map.of(
                    Manifest.TEXT_EMBEDS,
                    Tensors.scoped(() -> repeat(p.pooled())),
                    Manifest.TIME_IDS,
                    Tensors.scoped(() -> repeat(timeIds.positive())));
        });
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

    /** The extra inputs of {@link #withEmpty}'s rows. */
    public Map<String, Tensor> extrasWithEmpty(int call, int calls) {
        Map<String, Tensor> twoWay = extrasAt(call, calls, true);
        if (twoWay.isEmpty()) {
            return twoWay;
        }
        Map<String, Tensor> empty = extrasAt(call, calls, false);
        return threeWayExtras.computeIfAbsent(twoWay, k -> {
            Map<String, Tensor> three = new java.util.TreeMap<>();
            twoWay.forEach((name, rows) -> three.put(
                    name,
                    Tensors.scoped(() ->
                            torch.cat(new TensorVector(empty.get(name).narrow(0, 0, batch), rows), 0))));
            return Map.copyOf(three);
        });
    }

    /** Whether an unconditional prompt is zeros here: an empty one on a force_zeros_for_empty_prompt model. */
    private boolean zeroed(List<Fragment> fragments) {
        return zeroEmpty
                && fragments.stream().allMatch(f -> !f.isBreak() && f.text().isEmpty());
    }

    /** The unconditional half's prompt encoded, or zeros shaped as {@code positive}'s first chunk. */
    private Encoded unconditional(List<Fragment> fragments, Encoded positive) {
        if (!zeroed(fragments)) {
            return encoded(fragments, negativeClipSkip);
        }
        return new Encoded(
                Tensors.scoped(() -> torch.zeros_like(positive.hidden().narrow(1, 0, PromptChunker.CHUNK_LENGTH))),
                positive.pooled() == null ? null : Tensors.scoped(() -> torch.zeros_like(positive.pooled())));
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
        encoded.put(key, encode(chunks.chunks(), layer));
    }

    private Encoded encode(List<PromptChunker.Chunk> chunks, int layer) {
        return new Encoded(encoder.encode(chunks, layer), timeIds == null ? null : encoder.pooled(chunks));
    }

    private Encoded encoded(List<Fragment> fragments, int layer) {
        return encoded.computeIfAbsent(
                new Key(fragments, layer), k -> encode(encoder.chunks(fragments).chunks(), layer));
    }

    /** {@code context} made {@code length} long with copies of the empty prompt's chunk (zeros for a zeroed one). */
    private Tensor padded(Tensor context, long length, int layer, boolean zeros) {
        if (context.size(1) == length) {
            return context;
        }
        long chunks = (length - context.size(1)) / PromptChunker.CHUNK_LENGTH;
        Tensor empty = zeros
                ? context.narrow(1, 0, PromptChunker.CHUNK_LENGTH)
                : encoded(List.of(), layer).hidden();
        return torch.cat(new TensorVector(context, empty.repeat(1, chunks, 1)), 1);
    }

    /** One row repeated for the batch: (1, ...) -> (batch, ...). */
    private Tensor repeat(Tensor oneRow) {
        if (batch == 1) {
            return oneRow;
        }
        long[] times = new long[(int) oneRow.dim()];
        java.util.Arrays.fill(times, 1);
        times[0] = batch;
        return oneRow.repeat(times);
    }
}
