package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.image.ImageGrid;
import dev.torchsd.image.PngWriter;
import dev.torchsd.image.WholeFile;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.StepPoint;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd compare}: the same seed under several negative-prompt settings, side by side in
 * one labelled grid — the experiment "when should the negative prompt start?" in one command.
 */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Render one seed with the negative prompt starting at several steps, into one labelled grid PNG.")
public final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GenerationOptions options;

    @Mixin
    ImageOptions image;

    @Mixin
    HiresOptions hires;

    @Option(
            names = "--starts",
            split = ",",
            defaultValue = "none,0,0.2,0.4",
            paramLabel = "S",
            description = "negative-prompt starts to compare: 'none' (no negative prompt), a step index or a fraction"
                    + " (default: none,0,0.2,0.4)")
    List<String> starts;

    @Option(
            names = {"-o", "--out"},
            defaultValue = "compare.png",
            description = "grid PNG to write (default: compare.png)")
    Path out;

    @Override
    public Integer call() {
        WholeFile.checkWritable(out);
        if (options.negativePrompt.isEmpty()) {
            throw new TorchsdException("compare needs a --negative-prompt to compare its timing");
        }
        long seed = options.resolveSeed();
        try (StableDiffusion sd = options.model.open(spec.commandLine().getErr())) {
            GenerationRequest base = sd.resolve(hires.apply(image.apply(options.request(seed, 1))));
            List<GenerationRequest> requests = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (String start : starts) {
                if (start.trim().equalsIgnoreCase("none")) {
                    requests.add(base.withNegativePrompt(""));
                    labels.add("no negative prompt");
                } else {
                    StepPoint point = StepPoint.parse(start);
                    GenerationRequest r = base.withNegativeStart(point);
                    sd.resolve(r);
                    requests.add(r);
                    labels.add("negative from "
                            + (point.fraction() ? Math.round(point.value() * 100) + "%" : "step " + start.trim()));
                }
            }
            List<BufferedImage> images = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                if (!options.quiet) {
                    spec.commandLine().getErr().println("[" + (i + 1) + "/" + requests.size() + "] " + labels.get(i));
                }
                GenerationResult result = sd.generate(requests.get(i), Interrupts.stopOnInterrupt());
                images.add(result.image());
            }
            String title = base.prompt() + "  |  negative: " + options.negativePrompt + "  |  seed " + seed + ", "
                    + base.steps() + " steps";
            PngWriter.write(ImageGrid.render(title, images, labels), title, out);
            spec.commandLine().getOut().println(out);
        }
        return 0;
    }
}
