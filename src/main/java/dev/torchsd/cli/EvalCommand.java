package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.eval.Accuracy;
import dev.torchsd.eval.Evaluation;
import dev.torchsd.image.ImageDifference;
import dev.torchsd.image.PngWriter;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GuidanceWindow;
import dev.torchsd.pipeline.TokenMerging;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** With a window or DeepCache, the exact run (guidance and the whole U-Net at every call) is drawn too, same seeds, and compared. */
    @Mixin
    GuidanceWindowOptions guidanceWindow;

    @Mixin
    DeepCacheOption deepCache;

    @Mixin
    TokenMergingOption tokenMerging;

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
        GenerationRequest settings = tokenMerging
                .applyTo(deepCache.applyTo(
                        guidanceWindow.applyTo(guidance.applyTo(sampling.applyTo(GenerationRequest.builder(""))))))
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
                    "model %s, %d steps, guidance %.1f%s%s%s%n",
                    sd.info().name(),
                    settings.steps(),
                    settings.guidanceScale(),
                    settings.guidanceWindow().always() ? "" : ", " + settings.guidanceWindow(),
                    settings.deepCacheInterval() == 1 ? "" : ", DeepCache interval " + settings.deepCacheInterval(),
                    settings.tokenMerging().enabled() ? ", " + settings.tokenMerging() : "");
            if (!settings.guidanceWindow().always()
                    || settings.deepCacheInterval() > 1
                    || settings.tokenMerging().enabled()) {
                compareWithExact(out, sd, settings);
                return 0;
            }
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

    /**
     * The cheaper steps' cost (guidance window, DeepCache, token merging): both caption sets drawn exactly (guidance
     * and the whole U-Net, every token, at every call) and with the settings, same captions and seeds; accuracies
     * side by side, the PSNR of each image against its exact twin, and the U-Net rows the window saved.
     */
    private void compareWithExact(PrintWriter out, StableDiffusion sd, GenerationRequest settings) {
        List<BufferedImage> exactImages = new ArrayList<>();
        List<BufferedImage> windowImages = new ArrayList<>();
        GenerationRequest exactSettings = settings.toBuilder()
                .guidanceWindow(GuidanceWindow.OFF)
                .deepCacheInterval(1)
                .tokenMerging(TokenMerging.OFF)
                .build();
        Evaluation exact = new Evaluation(sd, exactSettings).onImage((caption, image) -> exactImages.add(image));
        Evaluation window = new Evaluation(sd, settings).onImage((caption, image) -> windowImages.add(image));
        for (boolean heldOut : new boolean[] {false, true}) {
            long first = heldOut ? seed + 1000 : seed;
            List<String> captions = Evaluation.captions(heldOut, count, first);
            Accuracy a = exact.score(captions, first);
            Accuracy b = window.score(captions, first);
            out.printf(
                    Locale.ROOT,
                    "%s pairs: exact %s%n    with the settings %s%n",
                    heldOut ? "held-out" : "training",
                    a,
                    b);
            out.flush();
        }
        double squared = 0;
        double psnrSum = 0;
        double worst = Double.POSITIVE_INFINITY;
        for (int i = 0; i < exactImages.size(); i++) {
            ImageDifference d = ImageDifference.of(exactImages.get(i), windowImages.get(i));
            double psnr = ImageDifference.psnr(d.meanSquared());
            squared += d.meanSquared();
            psnrSum += Math.min(psnr, 100);
            worst = Math.min(worst, psnr);
        }
        int n = exactImages.size();
        out.printf(
                Locale.ROOT,
                "PSNR against the exact image: %.1f dB (of the mean squared error), mean %.1f dB (identical images"
                        + " counted as 100), worst %.1f dB, over %d images%n",
                ImageDifference.psnr(squared / n),
                psnrSum / n,
                worst,
                n);
        if (!settings.guidanceWindow().always()) {
            out.printf(
                    Locale.ROOT,
                    "U-Net work: %d image rows with the window against %d exact: %.1f %% saved%n",
                    window.unetRows(),
                    exact.unetRows(),
                    100.0 * (exact.unetRows() - window.unetRows()) / exact.unetRows());
        }
    }
}
