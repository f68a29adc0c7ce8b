package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.TorchsdException;
import dev.torchsd.model.Device;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.StepPoint;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code torchsd generate}: a prompt to a PNG. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate images from a prompt and write them as PNG files with their parameters.")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

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

    @Option(names = {"-W", "--width"}, defaultValue = "0", description = "width in pixels, a multiple of 8 in 64..1024 (default: the model's)")
    int width;

    @Option(names = {"-H", "--height"}, defaultValue = "0", description = "height in pixels, a multiple of 8 in 64..1024 (default: the model's)")
    int height;

    @Option(names = {"-b", "--batch"}, defaultValue = "1", description = "images from one noise tensor (default: 1)")
    int batch;

    @Option(names = {"--scheduler", "--sampler"}, description = "sampler: a diffusers class or AUTOMATIC1111 name (default: the model's)")
    String scheduler;

    @Option(names = "--clip-skip", defaultValue = "1", description = "1 = last text-encoder layer, 2 = penultimate (default: 1)")
    int clipSkip;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "scheduler config override with diffusers' key, e.g. use_karras_sigmas=true")
    Map<String, String> schedulerOverrides = new LinkedHashMap<>();

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: cpu)")
    String device;

    @Option(names = {"-o", "--out"}, defaultValue = "output.png", description = "PNG to write; a batch writes NAME-1.png, NAME-2.png, ... (default: output.png)")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        Device target = Device.parse(device);
        checkWritable(out);
        long actualSeed = seed == -1 ? new SecureRandom().nextLong() & 0xFFFFFFFFL : seed;
        if (actualSeed < 0) {
            throw new TorchsdException("seed must be -1 or in 0.." + Long.MAX_VALUE + ", got " + seed);
        }
        GenerationRequest request = new GenerationRequest(prompt, negativePrompt, actualSeed, steps, guidance,
                guidanceRescale, width, height, batch, scheduler, clipSkip, schedulerOverrides,
                new NegativeWindow(StepPoint.parse(negativeStart), StepPoint.parse(negativeEnd)));
        try (StableDiffusion sd = model == null ? StableDiffusion.builtin(target) : StableDiffusion.load(model, target)) {
            request = request.resolve(sd.model().manifest());
            GenerationResult result = quiet ? sd.generate(request) : generateWithProgress(sd, request, err);
            result.warnings().forEach(w -> err.println("warning: " + w));
            List<Path> files = result.saveAll(out);
            for (Path f : files) {
                stdout.println(f);
            }
            err.println("seed " + actualSeed + ", " + result.sampler() + ", " + request.steps() + " steps, "
                    + request.width() + "x" + request.height());
        }
        return 0;
    }

    private static GenerationResult generateWithProgress(StableDiffusion sd, GenerationRequest request, PrintWriter err) {
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName("Generating")
                .setInitialMax(request.steps())
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" steps", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .continuousUpdate();
        try (ProgressBar bar = builder.build()) {
            return sd.generate(request, (step, total) -> {
                bar.maxHint(total);
                bar.stepTo(step);
                return true;
            });
        }
    }

    private static void checkWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new TorchsdException("cannot write " + file + ": folder " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new TorchsdException("cannot write " + file + ": folder " + dir + " is not writable");
        }
        if (Files.isDirectory(file)) {
            throw new TorchsdException("cannot write " + file + ": it is a folder");
        }
    }
}
