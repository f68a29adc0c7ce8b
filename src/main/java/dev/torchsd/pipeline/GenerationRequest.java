package dev.torchsd.pipeline;

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
    public static final int DEFAULT_STEPS = 20;
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
    private final Latents initialLatents;
    private final ImageInput image;
    private final HiresFix hiresFix;

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
        initialLatents = b.initialLatents;
        image = b.image;
        hiresFix = b.hiresFix;
    }

    /** A builder with torchsd's defaults: 20 steps, guidance 7.5, seed 0, batch 1, the model's size and scheduler. */
    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    /** A request with torchsd's defaults (see {@link #builder(String)}). */
    public static GenerationRequest of(String prompt) {
        return builder(prompt).build();
    }

    /** A builder holding this request's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** What to draw. */
    public String prompt() {
        return prompt;
    }

    /** What to steer away from; "" = the empty (unconditional) prompt, as diffusers. */
    public String negativePrompt() {
        return negativePrompt;
    }

    /** The seed of torch's CPU generator (0 .. 2^63-1), as {@code torch.Generator().manual_seed(seed)}. */
    public long seed() {
        return seed;
    }

    /** Inference steps (diffusers' num_inference_steps). */
    public int steps() {
        return steps;
    }

    /** Classifier-free guidance weight w (AUTOMATIC1111's CFG scale); w <= 1 runs without guidance (one U-Net batch). */
    public double guidanceScale() {
        return guidanceScale;
    }

    /**
     * diffusers' guidance_rescale phi in 0..1 (0 = off): rescales the guided noise towards the
     * positive prediction's standard deviation.
     */
    public double guidanceRescale() {
        return guidanceRescale;
    }

    /** Image width in pixels; empty = the model's default. */
    public OptionalInt width() {
        return width == null ? OptionalInt.empty() : OptionalInt.of(width);
    }

    /** Image height in pixels; empty = the model's default. */
    public OptionalInt height() {
        return height == null ? OptionalInt.empty() : OptionalInt.of(height);
    }

    /** Images per request, all from one noise tensor (diffusers' num_images_per_prompt, AUTOMATIC1111's batch size). */
    public int batchSize() {
        return batchSize;
    }

    /** Sampler name: a diffusers class or AUTOMATIC1111 name; empty = the model's scheduler. */
    public Optional<String> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /** Scheduler config values by diffusers key, e.g. {@code use_karras_sigmas=true}. */
    public Map<String, String> schedulerOverrides() {
        return schedulerOverrides;
    }

    /** Text-encoder layer of the prompt: 1 = last, 2 = penultimate (AUTOMATIC1111's count; diffusers' clip_skip + 1). */
    public int clipSkip() {
        return clipSkip;
    }

    /**
     * Text-encoder layer of the negative (or empty) prompt. Empty = the prompt syntax's convention:
     * {@link PromptSyntax#PLAIN} follows diffusers (the last layer, 1, whatever {@link #clipSkip()} is),
     * {@link PromptSyntax#A1111} follows AUTOMATIC1111 (the same as {@link #clipSkip()}).
     */
    public OptionalInt negativeClipSkip() {
        return negativeClipSkip == null ? OptionalInt.empty() : OptionalInt.of(negativeClipSkip);
    }

    /** The steps during which the negative prompt is used (default: all). */
    public NegativeWindow negativeWindow() {
        return negativeWindow;
    }

    /** How the prompts are read: plain as diffusers (default) or AUTOMATIC1111's syntax. */
    public PromptSyntax promptSyntax() {
        return promptSyntax;
    }

    /** Decode the image in overlapping tiles for less memory ({@link VaeTiling#OFF}: whole). */
    public VaeTiling vaeTiling() {
        return vaeTiling;
    }

    /**
     * Latents to start from instead of the seed's noise (diffusers' {@code latents} argument: they
     * are multiplied by the scheduler's initial sigma like the noise would be); empty = the seed's noise.
     */
    public Optional<Latents> initialLatents() {
        return Optional.ofNullable(initialLatents);
    }

    /** The image to start from (image-to-image, inpainting); empty = text-to-image. */
    public Optional<ImageInput> image() {
        return Optional.ofNullable(image);
    }

    /** AUTOMATIC1111's hires fix: a second pass at a larger size; empty = one pass. */
    public Optional<HiresFix> hiresFix() {
        return Optional.ofNullable(hiresFix);
    }

    /** Whether the U-Net runs on the [negative; positive] batch (diffusers: guidance_scale > 1). */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }

    public GenerationRequest withPrompt(String p) {
        return toBuilder().prompt(p).build();
    }

    public GenerationRequest withNegativePrompt(String n) {
        return toBuilder().negativePrompt(n).build();
    }

    public GenerationRequest withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    public GenerationRequest withSteps(int n) {
        return toBuilder().steps(n).build();
    }

    public GenerationRequest withGuidanceScale(double w) {
        return toBuilder().guidanceScale(w).build();
    }

    public GenerationRequest withGuidanceRescale(double phi) {
        return toBuilder().guidanceRescale(phi).build();
    }

    public GenerationRequest withSize(int w, int h) {
        return toBuilder().size(w, h).build();
    }

    public GenerationRequest withBatchSize(int n) {
        return toBuilder().batchSize(n).build();
    }

    public GenerationRequest withScheduler(String name) {
        return toBuilder().scheduler(name).build();
    }

    public GenerationRequest withSchedulerOverride(String key, String value) {
        return toBuilder().schedulerOverride(key, value).build();
    }

    public GenerationRequest withClipSkip(int n) {
        return toBuilder().clipSkip(n).build();
    }

    public GenerationRequest withNegativeClipSkip(int n) {
        return toBuilder().negativeClipSkip(n).build();
    }

    public GenerationRequest withNegativeWindow(NegativeWindow window) {
        return toBuilder().negativeWindow(window).build();
    }

    /** The negative prompt is used from {@code start} on (a step index or a fraction of the steps). */
    public GenerationRequest withNegativeStart(StepPoint start) {
        return withNegativeWindow(new NegativeWindow(start, negativeWindow.end()));
    }

    /** The negative prompt is used until {@code end} (exclusive). */
    public GenerationRequest withNegativeEnd(StepPoint end) {
        return withNegativeWindow(new NegativeWindow(negativeWindow.start(), end));
    }

    /** Reads the prompts as {@code syntax} ({@link PromptSyntax#A1111} for AUTOMATIC1111's). */
    public GenerationRequest withPromptSyntax(PromptSyntax syntax) {
        return toBuilder().promptSyntax(syntax).build();
    }

    /** Decodes in tiles ({@link VaeTiling#DEFAULT} is diffusers' enable_tiling()), or whole ({@link VaeTiling#OFF}). */
    public GenerationRequest withVaeTiling(VaeTiling tiling) {
        return toBuilder().vaeTiling(tiling).build();
    }

    public GenerationRequest withInitialLatents(Latents latents) {
        return toBuilder().initialLatents(latents).build();
    }

    /** Adds a hires-fix pass; null = none. */
    public GenerationRequest withHiresFix(HiresFix fix) {
        return toBuilder().hiresFix(fix).build();
    }

    /** Starts from {@code input}'s image (and mask); null = text-to-image. */
    public GenerationRequest withImage(ImageInput input) {
        return toBuilder().image(input).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationRequest r && seed == r.seed && steps == r.steps
                && Double.compare(guidanceScale, r.guidanceScale) == 0
                && Double.compare(guidanceRescale, r.guidanceRescale) == 0 && batchSize == r.batchSize
                && clipSkip == r.clipSkip && prompt.equals(r.prompt) && negativePrompt.equals(r.negativePrompt)
                && Objects.equals(width, r.width) && Objects.equals(height, r.height)
                && Objects.equals(scheduler, r.scheduler) && schedulerOverrides.equals(r.schedulerOverrides)
                && Objects.equals(negativeClipSkip, r.negativeClipSkip) && negativeWindow.equals(r.negativeWindow)
                && promptSyntax.equals(r.promptSyntax) && vaeTiling.equals(r.vaeTiling)
                && Objects.equals(initialLatents, r.initialLatents) && Objects.equals(image, r.image)
                && Objects.equals(hiresFix, r.hiresFix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prompt, negativePrompt, seed, steps, guidanceScale, guidanceRescale, width, height,
                batchSize, scheduler, schedulerOverrides, clipSkip, negativeClipSkip, negativeWindow, promptSyntax,
                vaeTiling, initialLatents, image, hiresFix);
    }

    @Override
    public String toString() {
        return "GenerationRequest[prompt=" + prompt + ", negativePrompt=" + negativePrompt + ", seed=" + seed
                + ", steps=" + steps + ", guidanceScale=" + guidanceScale + ", guidanceRescale=" + guidanceRescale
                + ", width=" + width + ", height=" + height + ", batchSize=" + batchSize + ", scheduler=" + scheduler
                + ", schedulerOverrides=" + schedulerOverrides + ", clipSkip=" + clipSkip + ", negativeClipSkip="
                + negativeClipSkip + ", negativeWindow=" + negativeWindow + ", promptSyntax=" + promptSyntax
                + ", vaeTiling=" + vaeTiling + ", initialLatents=" + (initialLatents != null) + ", image=" + image + ", hiresFix=" + hiresFix + "]";
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
        private Latents initialLatents;
        private ImageInput image;
        private HiresFix hiresFix;

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
            initialLatents = r.initialLatents;
            image = r.image;
            hiresFix = r.hiresFix;
        }

        public Builder prompt(String p) {
            prompt = Objects.requireNonNull(p, "prompt");
            return this;
        }

        /** The negative prompt; null or "" = none (the empty prompt). */
        public Builder negativePrompt(String n) {
            negativePrompt = n == null ? "" : n;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder steps(int n) {
            steps = n;
            return this;
        }

        public Builder guidanceScale(double w) {
            guidanceScale = w;
            return this;
        }

        public Builder guidanceRescale(double phi) {
            guidanceRescale = phi;
            return this;
        }

        /** Width and height in pixels. */
        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        /** Width in pixels; null = the model's default. */
        public Builder width(Integer w) {
            width = w;
            return this;
        }

        /** Height in pixels; null = the model's default. */
        public Builder height(Integer h) {
            height = h;
            return this;
        }

        /** Back to the model's default size. */
        public Builder modelSize() {
            width = null;
            height = null;
            return this;
        }

        public Builder batchSize(int n) {
            batchSize = n;
            return this;
        }

        /** A sampler by diffusers class or AUTOMATIC1111 name; null = the model's scheduler. */
        public Builder scheduler(String name) {
            scheduler = name;
            return this;
        }

        public Builder schedulerOverride(String key, String value) {
            schedulerOverrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder schedulerOverrides(Map<String, String> overrides) {
            schedulerOverrides = new TreeMap<>(overrides);
            return this;
        }

        public Builder clipSkip(int n) {
            clipSkip = n;
            return this;
        }

        public Builder negativeClipSkip(int n) {
            negativeClipSkip = n;
            return this;
        }

        /** Back to the prompt syntax's convention for the negative prompt's clip skip. */
        public Builder conventionalNegativeClipSkip() {
            negativeClipSkip = null;
            return this;
        }

        public Builder negativeWindow(NegativeWindow window) {
            negativeWindow = Objects.requireNonNull(window, "negativeWindow");
            return this;
        }

        public Builder promptSyntax(PromptSyntax syntax) {
            promptSyntax = Objects.requireNonNull(syntax, "promptSyntax");
            return this;
        }

        public Builder vaeTiling(VaeTiling tiling) {
            vaeTiling = Objects.requireNonNull(tiling, "vaeTiling");
            return this;
        }

        /** Latents to start from instead of the seed's noise; null = the seed's noise. */
        public Builder initialLatents(Latents latents) {
            initialLatents = latents;
            return this;
        }

        /** The image to start from; null = text-to-image. */
        public Builder image(ImageInput input) {
            image = input;
            return this;
        }

        /** A hires-fix pass; null = none. */
        public Builder hiresFix(HiresFix fix) {
            hiresFix = fix;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(this);
        }
    }
}
