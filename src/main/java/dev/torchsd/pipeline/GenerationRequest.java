package dev.torchsd.pipeline;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Everything one generation needs, as one immutable value. Build it from {@link #builder(String)}
 * or {@link #of(String)}, change it with the {@code with...} methods or {@link #toBuilder()}:
 * <pre>
 * GenerationRequest.builder("girl eating pizza").negativePrompt("blurry").seed(42).steps(30).build()
 * GenerationRequest.of("girl eating pizza").withSeed(42).withSteps(30)
 * </pre>
 * Values left unset ({@link #width()}, {@link #height()}, {@link #scheduler()}, {@link #negativeClipSkip()})
 * are the model's or the convention's, filled in when the generation starts; {@link GenerationResult#request()}
 * holds them filled in. Values are checked against the model when the generation starts (a
 * {@link RequestException} names the field, the value and what is allowed), before any work.
 * Field names follow diffusers' pipeline arguments and AUTOMATIC1111's settings.
 */
public final class GenerationRequest {
    /** The steps of a request that does not set them. */
    public static final int DEFAULT_STEPS = 20;
    /** The guidance scale of a request that does not set it. */
    public static final double DEFAULT_GUIDANCE = 7.5;
    /** The smallest width or height, in pixels. */
    public static final int MIN_SIZE = 64;
    /** The largest width or height, in pixels. */
    public static final int MAX_SIZE = 1024;
    /** The largest batch. */
    public static final int MAX_BATCH = 64;

    private final String prompt;
    private final String negativePrompt;
    private final long seed;
    private final int steps;
    private final double guidanceScale;
    private final double guidanceRescale;
    private final Integer width;
    private final Integer height;
    private final int batchSize;
    private final String scheduler;
    private final Map<String, String> schedulerOverrides;
    private final int clipSkip;
    private final Integer negativeClipSkip;
    private final NegativeWindow negativeWindow;
    private final PromptSyntax promptSyntax;
    private final VaeTiling vaeTiling;
    private final GuidanceWindow guidanceWindow;
    private final int deepCacheInterval;
    private final TokenMerging tokenMerging;
    private final Latents initialLatents;
    private final ExtraNetworks extraNetworks;
    private final ImageInput image;
    private final HiresFix hiresFix;
    private final SdxlConditioning sdxl;
    private final double denoisingStart;
    private final double denoisingEnd;
    private final String refiner;

    private GenerationRequest(Builder b) {
        prompt = Objects.requireNonNull(b.prompt, "prompt");
        negativePrompt = Objects.requireNonNull(b.negativePrompt, "negativePrompt");
        seed = b.seed;
        steps = b.steps;
        guidanceScale = b.guidanceScale;
        guidanceRescale = b.guidanceRescale;
        width = b.width;
        height = b.height;
        batchSize = b.batchSize;
        scheduler = b.scheduler;
        schedulerOverrides = Map.copyOf(b.schedulerOverrides);
        clipSkip = b.clipSkip;
        negativeClipSkip = b.negativeClipSkip;
        negativeWindow = Objects.requireNonNull(b.negativeWindow, "negativeWindow");
        promptSyntax = Objects.requireNonNull(b.promptSyntax, "promptSyntax");
        vaeTiling = Objects.requireNonNull(b.vaeTiling, "vaeTiling");
        guidanceWindow = Objects.requireNonNull(b.guidanceWindow, "guidanceWindow");
        deepCacheInterval = b.deepCacheInterval;
        tokenMerging = Objects.requireNonNull(b.tokenMerging, "tokenMerging");
        initialLatents = b.initialLatents;
        extraNetworks = Objects.requireNonNull(b.extraNetworks, "extraNetworks");
        image = b.image;
        hiresFix = b.hiresFix;
        sdxl = Objects.requireNonNull(b.sdxl, "sdxl");
        denoisingStart = b.denoisingStart;
        denoisingEnd = b.denoisingEnd;
        refiner = b.refiner;
    }

    /**
     * A builder with torchsd's defaults: 20 steps, guidance 7.5, seed 0, batch 1, the model's size and scheduler.
     *
     * @param prompt what to draw
     * @return a new builder
     * @throws NullPointerException if {@code prompt} is null
     */
    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    /**
     * A request with torchsd's defaults (see {@link #builder(String)}).
     *
     * @param prompt what to draw
     * @return the request
     * @throws NullPointerException if {@code prompt} is null
     */
    public static GenerationRequest of(String prompt) {
        return builder(prompt).build();
    }

    /**
     * A builder holding this request's values.
     *
     * @return a new builder; changing it leaves this request unchanged
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * What to draw.
     *
     * @return the prompt, read as {@link #promptSyntax()} says
     */
    public String prompt() {
        return prompt;
    }

    /**
     * What to steer away from; "" = the empty (unconditional) prompt, as diffusers.
     *
     * @return the negative prompt, or ""
     */
    public String negativePrompt() {
        return negativePrompt;
    }

    /**
     * The seed of torch's CPU generator, as {@code torch.Generator().manual_seed(seed)}.
     *
     * @return the seed, 0 to 2<sup>63</sup>-1
     */
    public long seed() {
        return seed;
    }

    /**
     * Inference steps (diffusers' num_inference_steps).
     *
     * @return the steps, at least 1
     */
    public int steps() {
        return steps;
    }

    /**
     * Classifier-free guidance weight w (AUTOMATIC1111's CFG scale); w &lt;= 1 runs without guidance (one U-Net batch).
     *
     * @return w, a finite number &gt;= 0
     */
    public double guidanceScale() {
        return guidanceScale;
    }

    /**
     * diffusers' guidance_rescale phi in 0..1 (0 = off): rescales the guided noise towards the
     * positive prediction's standard deviation.
     *
     * @return phi, 0 to 1
     */
    public double guidanceRescale() {
        return guidanceRescale;
    }

    /**
     * Image width in pixels; empty = the model's default.
     *
     * @return the width (a multiple of 8 and of the VAE scale, {@value #MIN_SIZE} to {@value #MAX_SIZE}), or empty
     */
    public OptionalInt width() {
        return width == null ? OptionalInt.empty() : OptionalInt.of(width);
    }

    /**
     * Image height in pixels; empty = the model's default.
     *
     * @return the height (a multiple of 8 and of the VAE scale, {@value #MIN_SIZE} to {@value #MAX_SIZE}), or empty
     */
    public OptionalInt height() {
        return height == null ? OptionalInt.empty() : OptionalInt.of(height);
    }

    /**
     * Images per request, all from one noise tensor (diffusers' num_images_per_prompt, AUTOMATIC1111's batch size).
     *
     * @return the batch size, 1 to {@value #MAX_BATCH}
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Sampler name: a diffusers class or AUTOMATIC1111 name; empty = the model's scheduler.
     *
     * @return the name, e.g. {@code EulerAncestralDiscreteScheduler} or {@code Euler a}, or empty
     */
    public Optional<String> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /**
     * Scheduler config values by diffusers key, e.g. {@code use_karras_sigmas=true}.
     *
     * @return an unmodifiable map, empty when none is set
     */
    public Map<String, String> schedulerOverrides() {
        return schedulerOverrides;
    }

    /**
     * Text-encoder layer of the prompt: 1 = last, 2 = penultimate (AUTOMATIC1111's count; diffusers' clip_skip + 1).
     *
     * @return the layer, 1 to the text encoder's layers
     */
    public int clipSkip() {
        return clipSkip;
    }

    /**
     * Text-encoder layer of the negative (or empty) prompt. Empty = the prompt syntax's convention:
     * {@link PromptSyntax#PLAIN} follows diffusers (the last layer, 1, whatever {@link #clipSkip()} is),
     * {@link PromptSyntax#A1111} follows AUTOMATIC1111 (the same as {@link #clipSkip()}).
     *
     * @return the layer, 1 to the text encoder's layers, or empty
     */
    public OptionalInt negativeClipSkip() {
        return negativeClipSkip == null ? OptionalInt.empty() : OptionalInt.of(negativeClipSkip);
    }

    /**
     * The steps during which the negative prompt is used (default: all).
     *
     * @return the window
     */
    public NegativeWindow negativeWindow() {
        return negativeWindow;
    }

    /**
     * How the prompts are read: plain as diffusers (default) or AUTOMATIC1111's syntax.
     *
     * @return the syntax
     */
    public PromptSyntax promptSyntax() {
        return promptSyntax;
    }

    /**
     * Decode the image in overlapping tiles for less memory ({@link VaeTiling#OFF}: whole).
     *
     * @return the tiling
     */
    public VaeTiling vaeTiling() {
        return vaeTiling;
    }

    /**
     * Where classifier-free guidance runs ({@link GuidanceWindow#OFF}: at every call).
     *
     * @return the window
     */
    public GuidanceWindow guidanceWindow() {
        return guidanceWindow;
    }

    /**
     * DeepCache's cache interval N (Ma et al. 2023, {@code cache_interval}): every N-th U-Net call runs the whole
     * network and keeps its deep feature, the calls between run only its shallow path around that feature (input
     * block 0 and the last output block, DeepCache's branch 0). 1 (the default): every call runs the whole network.
     *
     * @return the interval, at least 1
     */
    public int deepCacheInterval() {
        return deepCacheInterval;
    }

    /**
     * Token merging (ToMe for SD) in the U-Net's self-attention; {@link TokenMerging#OFF} (the default): none.
     *
     * @return the setting
     */
    public TokenMerging tokenMerging() {
        return tokenMerging;
    }

    /**
     * Latents to start from instead of the seed's noise (diffusers' {@code latents} argument: they
     * are multiplied by the scheduler's initial sigma like the noise would be); empty = the seed's noise.
     *
     * @return latents of shape (batch, channels, height / scale, width / scale), or empty
     */
    public Optional<Latents> initialLatents() {
        return Optional.ofNullable(initialLatents);
    }

    /**
     * LoRA files to merge for this request and the folder of the prompt's {@code <lora:…>} tags (docs/lora.md).
     *
     * @return the request's extra networks; {@link ExtraNetworks#NONE} when it has none
     */
    public ExtraNetworks extraNetworks() {
        return extraNetworks;
    }

    /**
     * The image to start from (image-to-image, inpainting).
     *
     * @return the image input; empty = text-to-image
     */
    public Optional<ImageInput> image() {
        return Optional.ofNullable(image);
    }

    /**
     * AUTOMATIC1111's hires fix: a second pass at a larger size.
     *
     * @return the hires-fix settings; empty = one pass
     */
    public Optional<HiresFix> hiresFix() {
        return Optional.ofNullable(hiresFix);
    }

    /**
     * Whether the U-Net runs on the [negative; positive] batch (diffusers: guidance_scale &gt; 1).
     *
     * @return whether {@link #guidanceScale()} is above 1
     */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }

    /**
     * This request with another prompt.
     *
     * @param p what to draw
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withPrompt(String p) {
        return toBuilder().prompt(p).build();
    }

    /**
     * This request with another negative prompt.
     *
     * @param n what to steer away from; null or "" for none
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withNegativePrompt(String n) {
        return toBuilder().negativePrompt(n).build();
    }

    /**
     * This request with another seed.
     *
     * @param s the seed, 0 to 2<sup>63</sup>-1 (checked when the generation starts)
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    /**
     * This request with another number of inference steps.
     *
     * @param n the steps, at least 1 (checked when the generation starts)
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withSteps(int n) {
        return toBuilder().steps(n).build();
    }

    /**
     * This request with another classifier-free guidance weight.
     *
     * @param w the weight, a finite number &gt;= 0; 1 or less runs without guidance
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withGuidanceScale(double w) {
        return toBuilder().guidanceScale(w).build();
    }

    /**
     * This request with another guidance rescale (diffusers' guidance_rescale).
     *
     * @param phi 0 (off) to 1
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withGuidanceRescale(double phi) {
        return toBuilder().guidanceRescale(phi).build();
    }

    /**
     * This request with another image size.
     *
     * @param w the width in pixels (a multiple of 8 and of the VAE scale, {@value #MIN_SIZE} to {@value #MAX_SIZE})
     * @param h the height in pixels, likewise
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withSize(int w, int h) {
        return toBuilder().size(w, h).build();
    }

    /**
     * This request with another number of images.
     *
     * @param n images, 1 to {@value #MAX_BATCH}
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withBatchSize(int n) {
        return toBuilder().batchSize(n).build();
    }

    /**
     * This request with another sampler.
     *
     * @param name a diffusers class or AUTOMATIC1111 name; null for the model's scheduler
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withScheduler(String name) {
        return toBuilder().scheduler(name).build();
    }

    /**
     * This request with one more scheduler config value (replacing one of the same key).
     *
     * @param key the diffusers config key, e.g. {@code use_karras_sigmas}
     * @param value its value as text, e.g. {@code true}
     * @return a new request; this one is unchanged
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public GenerationRequest withSchedulerOverride(String key, String value) {
        return toBuilder().schedulerOverride(key, value).build();
    }

    /**
     * This request with the prompt read from another text-encoder layer.
     *
     * @param n 1 = last, 2 = penultimate, up to the text encoder's layers
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withClipSkip(int n) {
        return toBuilder().clipSkip(n).build();
    }

    /**
     * This request with the negative prompt read from another text-encoder layer.
     *
     * @param n 1 = last, 2 = penultimate, up to the text encoder's layers
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withNegativeClipSkip(int n) {
        return toBuilder().negativeClipSkip(n).build();
    }

    /**
     * This request with the negative prompt used in another window of steps.
     *
     * @param window when the negative prompt is used
     * @return a new request; this one is unchanged
     * @throws NullPointerException if {@code window} is null
     */
    public GenerationRequest withNegativeWindow(NegativeWindow window) {
        return toBuilder().negativeWindow(window).build();
    }

    /**
     * The negative prompt is used from {@code start} on (a step index or a fraction of the steps).
     *
     * @param start the first step with the negative prompt
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withNegativeStart(StepPoint start) {
        return withNegativeWindow(new NegativeWindow(start, negativeWindow.end()));
    }

    /**
     * The negative prompt is used until {@code end} (exclusive).
     *
     * @param end the step from which the empty prompt is used again
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withNegativeEnd(StepPoint end) {
        return withNegativeWindow(new NegativeWindow(negativeWindow.start(), end));
    }

    /**
     * Reads the prompts as {@code syntax} ({@link PromptSyntax#A1111} for AUTOMATIC1111's).
     *
     * @param syntax how the prompts are read
     * @return a new request; this one is unchanged
     * @throws NullPointerException if {@code syntax} is null
     */
    public GenerationRequest withPromptSyntax(PromptSyntax syntax) {
        return toBuilder().promptSyntax(syntax).build();
    }

    /**
     * Decodes in tiles ({@link VaeTiling#DEFAULT} is diffusers' enable_tiling()), or whole ({@link VaeTiling#OFF}).
     *
     * @param tiling the tiling
     * @return a new request; this one is unchanged
     * @throws NullPointerException if {@code tiling} is null
     */
    public GenerationRequest withVaeTiling(VaeTiling tiling) {
        return toBuilder().vaeTiling(tiling).build();
    }

    /**
     * Runs classifier-free guidance only inside {@code window} (AUTOMATIC1111's NGMS, diffusers' CFG cut-off).
     *
     * @param window the window, or {@link GuidanceWindow#OFF}
     * @return a new request; this one is unchanged
     * @throws NullPointerException if {@code window} is null
     */
    public GenerationRequest withGuidanceWindow(GuidanceWindow window) {
        return toBuilder().guidanceWindow(window).build();
    }

    /**
     * This request starting from {@code latents} instead of the seed's noise.
     *
     * @param latents of shape (batch, channels, height / scale, width / scale); null for the seed's noise
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withInitialLatents(Latents latents) {
        return toBuilder().initialLatents(latents).build();
    }

    /**
     * This request with one more LoRA file.
     *
     * @param lora the file and its text-encoder and U-Net weights
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withLora(LoraWeight lora) {
        return toBuilder().lora(lora).build();
    }

    /**
     * This request with a hires-fix pass.
     *
     * @param fix the second pass's settings; null = none
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withHiresFix(HiresFix fix) {
        return toBuilder().hiresFix(fix).build();
    }

    /**
     * This request starting from an image (and mask).
     *
     * @param input the image input; null = text-to-image
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withImage(ImageInput input) {
        return toBuilder().image(input).build();
    }

    /**
     * What an SDXL model is conditioned on beyond the prompts: size and crop, the refiner's aesthetic scores, the
     * empty negative prompt.
     *
     * @return {@link SdxlConditioning#DEFAULT} unless set
     */
    public SdxlConditioning sdxl() {
        return sdxl;
    }

    /**
     * Where the loop starts, as a fraction of the schedule (diffusers' {@code denoising_start}): a refiner
     * continuing a base model's {@link #initialLatents()}, which are taken as they are (not noised, not scaled).
     *
     * @return 0 (the whole schedule) unless set
     */
    public double denoisingStart() {
        return denoisingStart;
    }

    /**
     * Where the loop stops, as a fraction of the schedule (diffusers' {@code denoising_end}): the base model's part
     * before a refiner; the result's latents are still noisy.
     *
     * @return 1 (the whole schedule) unless set
     */
    public double denoisingEnd() {
        return denoisingEnd;
    }

    /**
     * The SDXL refiner that took over from the base model at the {@link #denoisingStart()} (or
     * {@link #denoisingEnd()}) of this request, by model name: written into the infotext as AUTOMATIC1111's
     * {@code Refiner} and {@code Refiner switch at} (see {@link GenerationResult#refinedBy}); generation ignores it.
     *
     * @return the refiner's name, or empty when no refiner took part
     */
    public Optional<String> refiner() {
        return Optional.ofNullable(refiner);
    }

    /**
     * This request with other SDXL conditioning.
     *
     * @param value size and crop, aesthetic scores, the empty negative prompt
     * @return a new request; this one is unchanged
     * @throws NullPointerException if {@code value} is null
     */
    public GenerationRequest withSdxl(SdxlConditioning value) {
        return toBuilder().sdxl(value).build();
    }

    /**
     * This request running only part of the schedule: from {@code start} to {@code end} (fractions, diffusers'
     * {@code denoising_start} and {@code denoising_end}); a base model runs {@code 0..f}, its refiner {@code f..1}.
     *
     * @param start 0 to 1
     * @param end   {@code start} to 1
     * @return a new request; this one is unchanged
     */
    public GenerationRequest withDenoising(double start, double end) {
        return toBuilder().denoising(start, end).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationRequest r
                && seed == r.seed
                && steps == r.steps
                && Double.compare(guidanceScale, r.guidanceScale) == 0
                && Double.compare(guidanceRescale, r.guidanceRescale) == 0
                && batchSize == r.batchSize
                && clipSkip == r.clipSkip
                && prompt.equals(r.prompt)
                && negativePrompt.equals(r.negativePrompt)
                && Objects.equals(width, r.width)
                && Objects.equals(height, r.height)
                && Objects.equals(scheduler, r.scheduler)
                && schedulerOverrides.equals(r.schedulerOverrides)
                && Objects.equals(negativeClipSkip, r.negativeClipSkip)
                && negativeWindow.equals(r.negativeWindow)
                && promptSyntax.equals(r.promptSyntax)
                && vaeTiling.equals(r.vaeTiling)
                && guidanceWindow.equals(r.guidanceWindow)
                && deepCacheInterval == r.deepCacheInterval
                && tokenMerging.equals(r.tokenMerging)
                && Objects.equals(initialLatents, r.initialLatents)
                && extraNetworks.equals(r.extraNetworks)
                && Objects.equals(image, r.image)
                && Objects.equals(hiresFix, r.hiresFix)
                && sdxl.equals(r.sdxl)
                && Double.compare(denoisingStart, r.denoisingStart) == 0
                && Double.compare(denoisingEnd, r.denoisingEnd) == 0
                && Objects.equals(refiner, r.refiner);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                prompt,
                negativePrompt,
                seed,
                steps,
                guidanceScale,
                guidanceRescale,
                width,
                height,
                batchSize,
                scheduler,
                schedulerOverrides,
                clipSkip,
                negativeClipSkip,
                negativeWindow,
                promptSyntax,
                vaeTiling,
                guidanceWindow,
                deepCacheInterval,
                tokenMerging,
                initialLatents,
                extraNetworks,
                image,
                hiresFix,
                sdxl,
                denoisingStart,
                denoisingEnd,
                refiner);
    }

    @Override
    public String toString() {
        return "GenerationRequest[prompt=" + prompt + ", negativePrompt=" + negativePrompt + ", seed=" + seed
                + ", steps=" + steps + ", guidanceScale=" + guidanceScale + ", guidanceRescale=" + guidanceRescale
                + ", width=" + width + ", height=" + height + ", batchSize=" + batchSize + ", scheduler=" + scheduler
                + ", schedulerOverrides=" + schedulerOverrides + ", clipSkip=" + clipSkip + ", negativeClipSkip="
                + negativeClipSkip + ", negativeWindow=" + negativeWindow + ", promptSyntax=" + promptSyntax
                + ", vaeTiling=" + vaeTiling + ", guidanceWindow=" + guidanceWindow + ", deepCacheInterval="
                + deepCacheInterval + ", tokenMerging=" + tokenMerging + ", initialLatents="
                + (initialLatents != null) + ", extraNetworks=" + extraNetworks + ", image=" + image + ", hiresFix="
                + hiresFix + ", sdxl=" + sdxl + ", denoisingStart=" + denoisingStart + ", denoisingEnd=" + denoisingEnd
                + ", refiner=" + refiner + "]";
    }

    /** A mutable set of request values; {@link #build()} makes the immutable request. */
    public static final class Builder {
        private String prompt;
        private String negativePrompt = "";
        private long seed;
        private int steps = DEFAULT_STEPS;
        private double guidanceScale = DEFAULT_GUIDANCE;
        private double guidanceRescale;
        private Integer width;
        private Integer height;
        private int batchSize = 1;
        private String scheduler;
        private Map<String, String> schedulerOverrides = new TreeMap<>();
        private int clipSkip = 1;
        private Integer negativeClipSkip;
        private NegativeWindow negativeWindow = NegativeWindow.ALWAYS;
        private PromptSyntax promptSyntax = PromptSyntax.PLAIN;
        private VaeTiling vaeTiling = VaeTiling.OFF;
        private GuidanceWindow guidanceWindow = GuidanceWindow.OFF;
        private int deepCacheInterval = 1;
        private TokenMerging tokenMerging = TokenMerging.OFF;
        private Latents initialLatents;
        private ExtraNetworks extraNetworks = ExtraNetworks.NONE;
        private ImageInput image;
        private HiresFix hiresFix;
        private SdxlConditioning sdxl = SdxlConditioning.DEFAULT;
        private double denoisingStart;
        private double denoisingEnd = 1;
        private String refiner;

        private Builder(String prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
        }

        private Builder(GenerationRequest r) {
            prompt = r.prompt;
            negativePrompt = r.negativePrompt;
            seed = r.seed;
            steps = r.steps;
            guidanceScale = r.guidanceScale;
            guidanceRescale = r.guidanceRescale;
            width = r.width;
            height = r.height;
            batchSize = r.batchSize;
            scheduler = r.scheduler;
            schedulerOverrides = new TreeMap<>(r.schedulerOverrides);
            clipSkip = r.clipSkip;
            negativeClipSkip = r.negativeClipSkip;
            negativeWindow = r.negativeWindow;
            promptSyntax = r.promptSyntax;
            vaeTiling = r.vaeTiling;
            guidanceWindow = r.guidanceWindow;
            deepCacheInterval = r.deepCacheInterval;
            tokenMerging = r.tokenMerging;
            initialLatents = r.initialLatents;
            extraNetworks = r.extraNetworks;
            image = r.image;
            hiresFix = r.hiresFix;
            sdxl = r.sdxl;
            denoisingStart = r.denoisingStart;
            denoisingEnd = r.denoisingEnd;
            refiner = r.refiner;
        }

        /**
         * Sets the prompt.
         *
         * @param p what to draw
         * @return this builder
         * @throws NullPointerException if {@code p} is null
         */
        public Builder prompt(String p) {
            prompt = Objects.requireNonNull(p, "prompt");
            return this;
        }

        /**
         * Sets the negative prompt.
         *
         * @param n what to steer away from; null or "" for none (the empty prompt)
         * @return this builder
         */
        public Builder negativePrompt(String n) {
            negativePrompt = n == null ? "" : n;
            return this;
        }

        /**
         * Sets the seed of torch's CPU generator.
         *
         * @param s the seed, 0 to 2<sup>63</sup>-1
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * Sets the inference steps.
         *
         * @param n the steps, at least 1
         * @return this builder
         */
        public Builder steps(int n) {
            steps = n;
            return this;
        }

        /**
         * Sets the classifier-free guidance weight.
         *
         * @param w the weight, a finite number &gt;= 0; 1 or less runs without guidance
         * @return this builder
         */
        public Builder guidanceScale(double w) {
            guidanceScale = w;
            return this;
        }

        /**
         * Sets diffusers' guidance_rescale.
         *
         * @param phi 0 (off) to 1
         * @return this builder
         */
        public Builder guidanceRescale(double phi) {
            guidanceRescale = phi;
            return this;
        }

        /**
         * Sets the image size.
         *
         * @param w the width in pixels (a multiple of 8 and of the VAE scale, {@value #MIN_SIZE} to {@value #MAX_SIZE})
         * @param h the height in pixels, likewise
         * @return this builder
         */
        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        /**
         * Sets the image width.
         *
         * @param w the width in pixels; null for the model's default
         * @return this builder
         */
        public Builder width(Integer w) {
            width = w;
            return this;
        }

        /**
         * Sets the image height.
         *
         * @param h the height in pixels; null for the model's default
         * @return this builder
         */
        public Builder height(Integer h) {
            height = h;
            return this;
        }

        /**
         * Back to the model's default size.
         *
         * @return this builder
         */
        public Builder modelSize() {
            width = null;
            height = null;
            return this;
        }

        /**
         * Sets the number of images, all from one noise tensor.
         *
         * @param n images, 1 to {@value #MAX_BATCH}
         * @return this builder
         */
        public Builder batchSize(int n) {
            batchSize = n;
            return this;
        }

        /**
         * Sets the sampler.
         *
         * @param name a diffusers class or AUTOMATIC1111 name; null for the model's scheduler
         * @return this builder
         */
        public Builder scheduler(String name) {
            scheduler = name;
            return this;
        }

        /**
         * Sets one scheduler config value (replacing one of the same key).
         *
         * @param key the diffusers config key, e.g. {@code use_karras_sigmas}
         * @param value its value as text, e.g. {@code true}
         * @return this builder
         * @throws NullPointerException if {@code key} or {@code value} is null
         */
        public Builder schedulerOverride(String key, String value) {
            schedulerOverrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Replaces all scheduler config values.
         *
         * @param overrides values by diffusers config key; copied
         * @return this builder
         */
        public Builder schedulerOverrides(Map<String, String> overrides) {
            schedulerOverrides = new TreeMap<>(overrides);
            return this;
        }

        /**
         * Sets the text-encoder layer the prompt is read from.
         *
         * @param n 1 = last, 2 = penultimate, up to the text encoder's layers
         * @return this builder
         */
        public Builder clipSkip(int n) {
            clipSkip = n;
            return this;
        }

        /**
         * Sets the text-encoder layer the negative prompt is read from.
         *
         * @param n 1 = last, 2 = penultimate, up to the text encoder's layers
         * @return this builder
         */
        public Builder negativeClipSkip(int n) {
            negativeClipSkip = n;
            return this;
        }

        /**
         * Back to the prompt syntax's convention for the negative prompt's clip skip.
         *
         * @return this builder
         */
        public Builder conventionalNegativeClipSkip() {
            negativeClipSkip = null;
            return this;
        }

        /**
         * Sets the steps during which the negative prompt is used.
         *
         * @param window the window
         * @return this builder
         * @throws NullPointerException if {@code window} is null
         */
        public Builder negativeWindow(NegativeWindow window) {
            negativeWindow = Objects.requireNonNull(window, "negativeWindow");
            return this;
        }

        /**
         * Sets how the prompts are read.
         *
         * @param syntax plain or AUTOMATIC1111's
         * @return this builder
         * @throws NullPointerException if {@code syntax} is null
         */
        public Builder promptSyntax(PromptSyntax syntax) {
            promptSyntax = Objects.requireNonNull(syntax, "promptSyntax");
            return this;
        }

        /**
         * Sets tiled VAE decoding.
         *
         * @param tiling the tiling, or {@link VaeTiling#OFF}
         * @return this builder
         * @throws NullPointerException if {@code tiling} is null
         */
        public Builder vaeTiling(VaeTiling tiling) {
            vaeTiling = Objects.requireNonNull(tiling, "vaeTiling");
            return this;
        }

        /**
         * Sets where classifier-free guidance runs.
         *
         * @param window the window, or {@link GuidanceWindow#OFF}
         * @return this builder
         * @throws NullPointerException if {@code window} is null
         */
        public Builder guidanceWindow(GuidanceWindow window) {
            guidanceWindow = Objects.requireNonNull(window, "guidanceWindow");
            return this;
        }

        /**
         * Sets DeepCache's cache interval ({@link GenerationRequest#deepCacheInterval()}); checked when the request
         * is resolved (at least 1, and the model's export must have DeepCache's methods when above 1).
         *
         * @param interval U-Net calls per full call; 1 for none skipped
         * @return this builder
         */
        public Builder deepCacheInterval(int interval) {
            deepCacheInterval = interval;
            return this;
        }

        /**
         * Sets token merging ({@link GenerationRequest#tokenMerging()}); checked when the request is resolved (the
         * values, no DeepCache beside it, and an export with token merging's method when enabled).
         *
         * @param merging the setting; {@link TokenMerging#OFF} for none
         * @return this builder
         */
        public Builder tokenMerging(TokenMerging merging) {
            tokenMerging = merging;
            return this;
        }

        /**
         * Sets latents to start from instead of the seed's noise.
         *
         * @param latents of shape (batch, channels, height / scale, width / scale); null for the seed's noise
         * @return this builder
         */
        public Builder initialLatents(Latents latents) {
            initialLatents = latents;
            return this;
        }

        /**
         * Adds a LoRA file, applied after the ones added before and before the prompt's tags.
         *
         * @param lora the file and its text-encoder and U-Net weights
         * @return this builder
         */
        public Builder lora(LoraWeight lora) {
            extraNetworks = extraNetworks.withLora(lora);
            return this;
        }

        /**
         * The folder where the prompt's {@code <lora:name:…>} tags are looked up (AUTOMATIC1111 syntax).
         *
         * @param folder a folder of LoRA files
         * @return this builder
         */
        public Builder loraFolder(Path folder) {
            extraNetworks = extraNetworks.withLoraFolder(folder);
            return this;
        }

        /**
         * All extra networks at once, replacing those set before.
         *
         * @param networks the LoRA files and folder
         * @return this builder
         */
        public Builder extraNetworks(ExtraNetworks networks) {
            extraNetworks = Objects.requireNonNull(networks, "extraNetworks");
            return this;
        }

        /**
         * The image to start from.
         *
         * @param input the image input; null = text-to-image
         * @return this builder
         */
        public Builder image(ImageInput input) {
            image = input;
            return this;
        }

        /**
         * A hires-fix pass.
         *
         * @param fix the second pass's settings; null = none
         * @return this builder
         */
        public Builder hiresFix(HiresFix fix) {
            hiresFix = fix;
            return this;
        }

        /**
         * SDXL's conditioning beyond the prompts.
         *
         * @param value size and crop, aesthetic scores, the empty negative prompt
         * @return this builder
         * @throws NullPointerException if {@code value} is null
         */
        public Builder sdxl(SdxlConditioning value) {
            sdxl = Objects.requireNonNull(value, "sdxl");
            return this;
        }

        /**
         * The part of the schedule to run (diffusers' {@code denoising_start}, {@code denoising_end}).
         *
         * @param start 0 to 1 (checked when the generation starts)
         * @param end   {@code start} to 1
         * @return this builder
         */
        public Builder denoising(double start, double end) {
            denoisingStart = start;
            denoisingEnd = end;
            return this;
        }

        /**
         * Names the SDXL refiner that took part, for the infotext ({@link GenerationRequest#refiner()}).
         *
         * @param name the refiner's model name, or null for none
         * @return this builder
         */
        public Builder refiner(String name) {
            refiner = name;
            return this;
        }

        /**
         * Makes the immutable request. Its values are checked against the model when a generation starts.
         *
         * @return the request
         */
        public GenerationRequest build() {
            return new GenerationRequest(this);
        }
    }
}
