package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.Embedding;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.runtime.Device;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.pipeline.Emphasis;
import dev.torchsd.pipeline.PromptSyntax;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options every generating command shares: model, prompts, seed and sampling settings. */
final class GenerationOptions {

    @Option(names = {"-m", "--model"}, paramLabel = "DIR", description = "torchsd model folder (default: the built-in model)")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "what to draw")
    String prompt;

    @Option(names = {"-n", "--negative-prompt"}, defaultValue = "", description = "what to avoid (default: none)")
    String negativePrompt;

    @Option(names = {"-s", "--seed"}, defaultValue = "-1", description = "seed of torch's CPU generator, 0.." + Long.MAX_VALUE
            + "; -1 picks one at random (default)")
    long seed;

    @Option(names = "--steps", defaultValue = "" + GenerationRequest.DEFAULT_STEPS, description = "inference steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = {"--guidance", "--cfg-scale"}, defaultValue = "" + GenerationRequest.DEFAULT_GUIDANCE,
            description = "classifier-free guidance scale; <= 1 disables guidance (default: ${DEFAULT-VALUE})")
    double guidance;

    @Option(names = "--guidance-rescale", defaultValue = "0", description = "diffusers' guidance_rescale in 0..1 (default: 0, off)")
    double guidanceRescale;

    @Option(names = "--negative-start", defaultValue = "0", paramLabel = "S",
            description = "use the negative prompt from step S (an index like 10, or a fraction like 0.4 or 40%%; default: 0)")
    String negativeStart;

    @Option(names = "--negative-end", defaultValue = "1.0", paramLabel = "E",
            description = "use the negative prompt until step E, exclusive (index or fraction; default: 1.0 = the end)")
    String negativeEnd;

    @Option(names = "--prompt-syntax", defaultValue = "plain", paramLabel = "SYNTAX",
            description = "plain: the text as diffusers reads it, cut at 77 tokens (default); a1111: AUTOMATIC1111's"
                    + " (word:1.2), [word], [from:to:when], [a|b], BREAK and prompts of any length")
    String promptSyntax;

    @Option(names = "--emphasis", paramLabel = "MODE", description = "with --prompt-syntax a1111: how weights act:"
            + " original (multiply, then restore the mean; default), no-norm (multiply only), ignore")
    String emphasis;

    @Option(names = {"-W", "--width"}, description = "width in pixels, a multiple of 8 in 64..1024 (default: the model's)")
    Integer width;

    @Option(names = {"-H", "--height"}, description = "height in pixels, a multiple of 8 in 64..1024 (default: the model's)")
    Integer height;

    @Option(names = {"--scheduler", "--sampler"}, description = "sampler: a diffusers class or AUTOMATIC1111 name (default: the model's)")
    String scheduler;

    @Option(names = "--clip-skip", defaultValue = "1", description = "1 = last text-encoder layer, 2 = penultimate, as AUTOMATIC1111 counts;"
            + " diffusers' clip_skip is one less (default: 1)")
    int clipSkip;

    @Option(names = "--negative-clip-skip", paramLabel = "N", description = "clip skip of the negative (or empty) prompt"
            + " (default: 1 with --prompt-syntax plain, as diffusers; the --clip-skip with a1111, as AUTOMATIC1111)")
    Integer negativeClipSkip;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "scheduler config override with diffusers' key, e.g. use_karras_sigmas=true")
    Map<String, String> schedulerOverrides = new LinkedHashMap<>();

    @Option(names = "--embedding", paramLabel = "FILE[:TOKEN]", converter = EmbeddingArgument.Converter.class,
            description = "load a textual-inversion embedding (.safetensors, .pt, .bin) under TOKEN (default: the file name"
                    + " without extension); repeatable")
    List<EmbeddingArgument> embeddings = new ArrayList<>();

    @Mixin
    VaeTilingOption vaeTiling;

    @Mixin
    LoraOptions loras;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: cpu)")
    String device;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
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
        GenerationRequest.Builder request = GenerationRequest.builder(prompt).negativePrompt(negativePrompt)
                .seed(actualSeed).steps(steps).guidanceScale(guidance).guidanceRescale(guidanceRescale)
                .width(width).height(height).batchSize(batch).scheduler(scheduler).clipSkip(clipSkip)
                .schedulerOverrides(schedulerOverrides)
                .negativeWindow(new NegativeWindow(StepPoint.parse(negativeStart), StepPoint.parse(negativeEnd)))
                .promptSyntax(promptSyntax()).vaeTiling(vaeTiling.tiling);
        loras.addTo(request);
        if (negativeClipSkip != null) {
            request.negativeClipSkip(negativeClipSkip);
        }
        return request.build();
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

    /** Loads the model (checking the device first) and the embeddings, printing their warnings to {@code err}. */
    StableDiffusion open(PrintWriter err) {
        LoadOptions options = LoadOptions.fromSystemProperties().withDevice(Device.parse(device));
        StableDiffusion sd = model == null ? StableDiffusion.builtin(options) : StableDiffusion.load(model, options);
        try {
            for (EmbeddingArgument embedding : embeddings) {
                Embedding loaded = sd.loadTextualInversion(embedding.file(), embedding.token());
                loaded.warnings().forEach(w -> err.println("warning: " + embedding.file() + ": " + w));
            }
        } catch (RuntimeException e) {
            sd.close();
            throw e;
        }
        err.flush();
        return sd;
    }
}
