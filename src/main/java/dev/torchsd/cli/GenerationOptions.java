package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.Emphasis;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.StepPoint;
import java.security.SecureRandom;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every generating command shares: model ({@link ModelOptions}), prompts, seed, sampling
 * ({@link SamplingOptions}, {@link GuidanceOption}), size ({@link SizeOptions}) and the conditioning settings.
 */
final class GenerationOptions {

    @Mixin
    ModelOptions model;

    @Option(
            names = {"-p", "--prompt"},
            required = true,
            description = "what to draw")
    String prompt;

    @Option(
            names = {"-n", "--negative-prompt"},
            defaultValue = "",
            description = "what to avoid (default: none)")
    String negativePrompt;

    @Option(
            names = {"-s", "--seed"},
            defaultValue = "-1",
            description = "seed of torch's CPU generator, 0.." + Long.MAX_VALUE + "; -1 picks one at random (default)")
    long seed;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    GuidanceOption guidance;

    @Mixin
    GuidanceWindowOptions guidanceWindow;

    @Mixin
    DeepCacheOption deepCache;

    @Mixin
    TokenMergingOption tokenMerging;

    @Option(
            names = "--guidance-rescale",
            defaultValue = "0",
            description = "diffusers' guidance_rescale in 0..1 (default: 0, off)")
    double guidanceRescale;

    @Option(
            names = "--negative-start",
            defaultValue = "0",
            paramLabel = "S",
            description =
                    "use the negative prompt from step S (an index like 10, a fraction like 0.4 or 40%%, or auto: once its"
                            + " effect no longer pulls away from the content, docs/negative-prompts.md; default: 0)")
    String negativeStart;

    @Option(
            names = "--negative-end",
            defaultValue = "1.0",
            paramLabel = "E",
            description = "use the negative prompt until step E, exclusive (index or fraction; default: 1.0 = the end)")
    String negativeEnd;

    @Option(
            names = "--prompt-syntax",
            defaultValue = "plain",
            paramLabel = "SYNTAX",
            description = "plain: the text as diffusers reads it, cut at 77 tokens (default); a1111: AUTOMATIC1111's"
                    + " (word:1.2), [word], [from:to:when], [a|b], BREAK and prompts of any length")
    String promptSyntax;

    @Option(
            names = "--emphasis",
            paramLabel = "MODE",
            description = "with --prompt-syntax a1111: how weights act:"
                    + " original (multiply, then restore the mean; default), no-norm (multiply only), ignore")
    String emphasis;

    @Mixin
    SizeOptions size;

    @Option(
            names = "--clip-skip",
            defaultValue = "1",
            description = "1 = last text-encoder layer, 2 = penultimate, as AUTOMATIC1111 counts;"
                    + " diffusers' clip_skip is one less (default: 1)")
    int clipSkip;

    @Option(
            names = "--negative-clip-skip",
            paramLabel = "N",
            description =
                    "clip skip of the negative (or empty) prompt"
                            + " (default: 1 with --prompt-syntax plain, as diffusers; the --clip-skip with a1111, as AUTOMATIC1111)")
    Integer negativeClipSkip;

    @Mixin
    VaeTilingOption vaeTiling;

    @Mixin
    LoraOptions loras;

    @Option(
            names = {"-q", "--quiet"},
            description = "no progress bar")
    boolean quiet;

    /** The seed to use: the given one, or a random one in 0..2^32-1 (as AUTOMATIC1111 picks) for -1. */
    long resolveSeed() {
        long actual = seed == -1 ? new SecureRandom().nextLong() & 0xFFFFFFFFL : seed;
        if (actual < 0) {
            throw new TorchsdException("seed must be -1 or in 0.." + Long.MAX_VALUE + ", got " + seed);
        }
        return actual;
    }

    GenerationRequest request(long actualSeed, int batch) {
        GenerationRequest.Builder request = GenerationRequest.builder(prompt)
                .negativePrompt(negativePrompt)
                .seed(actualSeed)
                .guidanceRescale(guidanceRescale)
                .batchSize(batch)
                .clipSkip(clipSkip)
                .negativeWindow(new NegativeWindow(StepPoint.parse(negativeStart), StepPoint.parse(negativeEnd)))
                .promptSyntax(promptSyntax())
                .vaeTiling(vaeTiling.tiling);
        loras.addTo(request);
        if (negativeClipSkip != null) {
            request.negativeClipSkip(negativeClipSkip);
        }
        return tokenMerging
                .applyTo(deepCache.applyTo(
                        guidanceWindow.applyTo(size.applyTo(guidance.applyTo(sampling.applyTo(request))))))
                .build();
    }

    private PromptSyntax promptSyntax() {
        PromptSyntax syntax = PromptSyntax.parse(promptSyntax);
        if (emphasis != null) {
            if (!syntax.a1111()) {
                throw new TorchsdException("--emphasis applies to --prompt-syntax a1111 only");
            }
            syntax = syntax.withEmphasis(Emphasis.parse(emphasis));
        }
        return syntax;
    }
}
