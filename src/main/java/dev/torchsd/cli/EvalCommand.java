package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.eval.Accuracy;
import dev.torchsd.eval.Evaluation;
import dev.torchsd.image.PngWriter;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.tensor.LibTorch;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd eval}: how well the built-in shapes model (or another model trained on the same
 * scenes) draws what it is asked: color, shape, position and size accuracy on captions of trained
 * and of held-out color/shape pairs, and how a negative prompt removes a color.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = "Measure how well a shapes model draws captions: color, shape, position and size accuracy "
                + "on training and held-out color/shape pairs, and the effect of a negative prompt.")
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    /** 30 steps: the accuracies in docs/training.md are measured so. */
    @Mixin
    SamplingOptions sampling = new SamplingOptions(30);

    @Mixin
    GuidanceOption guidance;

    @Option(
            names = {"-c", "--count"},
            defaultValue = "40",
            description = "images per caption set (default: ${DEFAULT-VALUE})")
    int count;

    @Option(
            names = "--negative-count",
            defaultValue = "40",
            description = "images with and without the negative prompt (default: ${DEFAULT-VALUE}; 0 skips)")
    int negativeCount;

    @Option(
            names = {"-s", "--seed"},
            defaultValue = "1",
            description = "first seed; image i uses seed+i (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description =
                    "libtorch intra-op threads (default: ${DEFAULT-VALUE}; the model is small, more threads only contend)")
    int threads;

    @Option(names = "--save", paramLabel = "DIR", description = "also write every generated image as a PNG here")
    Path save;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || negativeCount < 0 || threads < 1) {
            throw new TorchsdException("--count and --threads must be >= 1 and --negative-count >= 0, got " + count
                    + ", " + threads + " and " + negativeCount);
        }
        PrintWriter out = spec.commandLine().getOut();
        LibTorch.ensureLoaded();
        org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        if (save != null) {
            Files.createDirectories(save);
        }
        GenerationRequest settings = guidance.applyTo(sampling.applyTo(GenerationRequest.builder("")))
                .build();
        try (StableDiffusion sd = model.open(spec.commandLine().getErr())) {
            Evaluation eval = new Evaluation(sd, settings);
            if (save != null) {
                AtomicInteger n = new AtomicInteger();
                eval.onImage((caption, image) -> PngWriter.write(
                        image, caption, save.resolve(String.format(Locale.ROOT, "%04d.png", n.incrementAndGet()))));
            }
            out.printf(
                    Locale.ROOT,
                    "model %s, %d steps, guidance %.1f%n",
                    sd.info().name(),
                    settings.steps(),
                    settings.guidanceScale());
            Accuracy trained = eval.score(Evaluation.captions(false, count, seed), seed);
            out.println("training pairs: " + trained);
            out.flush();
            Accuracy heldOut = eval.score(Evaluation.captions(true, count, seed + 1000), seed + 1000);
            out.println("held-out pairs: " + heldOut);
            out.flush();
            if (negativeCount > 0) {
                double without = eval.colorRate("a circle", "", "red", negativeCount, seed + 2000);
                double with = eval.colorRate("a circle", "red", "red", negativeCount, seed + 2000);
                out.printf(
                        Locale.ROOT,
                        "negative prompt: \"a circle\" red %.1f %% without, %.1f %% with negative \"red\" (ratio %s)%n",
                        100 * without,
                        100 * with,
                        without == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", with / without));
            }
        }
        return 0;
    }
}
