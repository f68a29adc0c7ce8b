package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.image.WholeFile;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.trace.TraceRecorder;
import dev.torchsd.trace.TraceWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code torchsd generate}: a prompt to a PNG. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Generate images from a prompt and write them as PNG files with their parameters.")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GenerationOptions options;

    @Mixin
    ImageOptions image;

    @Mixin
    HiresOptions hires;

    @Mixin
    SdxlOptions sdxl;

    @Option(
            names = {"-b", "--batch"},
            defaultValue = "1",
            description = "images from one noise tensor (default: 1)")
    int batch;

    @Option(
            names = {"-o", "--out"},
            defaultValue = "output.png",
            description = "PNG to write; a batch writes NAME-1.png, NAME-2.png, ... (default: output.png)")
    Path out;

    @Option(
            names = "--trace",
            paramLabel = "DIR",
            description = "record every step into DIR: trace.json, trace.csv and"
                    + " sheet.png (previews of the predicted image, norms and cosine of eps(neg)/eps(pos))")
    Path trace;

    @Option(
            names = "--trace-decode",
            description = "trace previews through the real VAE instead of the cheap linear map")
    boolean traceDecode;

    @Option(
            names = "--trace-three-way",
            description = "with --trace: also run the U-Net on the empty prompt while the"
                    + " negative prompt is active and record its own effect |eps(neg) - eps(empty)|, its alignment with"
                    + " eps(pos) - eps(empty) and every branch's x0 (trace/branches.png)")
    boolean traceThreeWay;

    @Option(
            names = "--save-latents",
            paramLabel = "FILE",
            description = "also write the final latents (before the VAE's"
                    + " scaling) as a NumPy .npy file, float32 (batch, channels, height/scale, width/scale)")
    Path saveLatents;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        WholeFile.checkWritable(out);
        if (trace != null) {
            TraceWriter.checkWritable(trace);
        }
        if (saveLatents != null) {
            WholeFile.checkWritable(saveLatents);
        }
        long seed = options.resolveSeed();
        GenerationRequest base = hires.apply(image.apply(
                sdxl.applyTo(options.request(seed, batch).toBuilder()).build()));
        GenerationResult handOver = null;
        if (sdxl.refiner != null) {
            try (StableDiffusion sd = options.model.open(err)) {
                handOver = sd.generate(base, progress());
            }
            handOver.warnings().forEach(w -> err.println("warning: " + w));
            // the refiner goes on from the base's latents at the base's size (an image's, for image-to-image)
            base = handOver.request().toBuilder()
                    .image(null)
                    .hiresFix(null)
                    .extraNetworks(dev.torchsd.pipeline.ExtraNetworks.NONE)
                    .initialLatents(handOver.latents())
                    .denoising(sdxl.refinerSwitch, 1)
                    .build();
        }
        try (StableDiffusion sd = sdxl.refiner != null
                ? options.model.open(sdxl.refiner, err)
                : options.model.open(spec.commandLine().getErr())) {
            GenerationRequest request = sd.resolve(base);
            TraceRecorder recorder = trace == null ? null : new TraceRecorder(sd, traceDecode, traceThreeWay);
            GenerationResult generated = sd.generate(
                    request, GenerationListener.all(progress(), recorder == null ? GenerationListener.NONE : recorder));
            // the refined image's infotext names the base model and the refiner, as AUTOMATIC1111's
            GenerationResult result = handOver != null ? handOver.refinedBy(generated) : generated;
            generated.warnings().forEach(w -> err.println("warning: " + w)); // the base's were printed above
            List<Path> files = result.saveAll(out);
            files.forEach(spec.commandLine().getOut()::println);
            if (saveLatents != null) {
                WholeFile.write(saveLatents, result.latents().toNpy());
                err.println("latents written to " + saveLatents);
            }
            if (recorder != null) {
                TraceWriter.write(trace, recorder, result);
                err.println("trace written to " + trace);
            }
            err.println("seed " + seed + ", " + result.sampler() + ", " + request.steps() + " steps, "
                    + request.width().getAsInt() + "x" + request.height().getAsInt()
                    + (sdxl.refiner != null ? ", refined by " + sdxl.refiner + " from " + sdxl.refinerSwitch : ""));
        }
        return 0;
    }

    private GenerationListener progress() {
        return GenerationListener.all(
                Interrupts.stopOnInterrupt(), options.quiet ? GenerationListener.NONE : new TerminalProgress());
    }
}
