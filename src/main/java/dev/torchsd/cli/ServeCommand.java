package dev.torchsd.cli;

import dev.torchsd.server.Limits;
import dev.torchsd.server.ServerSettings;
import dev.torchsd.server.TorchsdServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code torchsd serve}: AUTOMATIC1111's HTTP API and a web page (docs/server.md). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Serve AUTOMATIC1111's HTTP API (/sdapi/v1/...) and a web page at /, until Ctrl-C.")
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--host",
            defaultValue = ServerSettings.LOOPBACK,
            description = "address to listen on (default:"
                    + " ${DEFAULT-VALUE}, this machine only; another needs --api-auth or --insecure)")
    String host;

    @Option(
            names = "--port",
            defaultValue = "" + ServerSettings.DEFAULT_PORT,
            description = "port (default: ${DEFAULT-VALUE}; 0 = any free one)")
    int port;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "DIR",
            description = "torchsd model folder to serve; repeatable"
                    + " (default: the built-in model); clients pick one by its name (sd_model_checkpoint)")
    List<Path> models = new ArrayList<>();

    @Option(
            names = "--embedding-dir",
            paramLabel = "DIR",
            description = "textual-inversion files (.safetensors, .pt,"
                    + " .bin) loaded into every model, each under its file name")
    Path embeddingDir;

    @Option(
            names = "--lora-dir",
            paramLabel = "DIR",
            description = "LoRA files (.safetensors, .pt, .ckpt; subfolders"
                    + " too) the prompts' <lora:name:weight> tags may name; listed by /sdapi/v1/loras")
    Path loraDir;

    @Option(
            names = "--output-dir",
            paramLabel = "DIR",
            description = "where requests with save_images write their"
                    + " PNGs, under names the server makes (default: none; save_images then saves nothing)")
    Path outputDir;

    @Option(
            names = "--api-auth",
            paramLabel = "USER:PASS",
            description = "HTTP Basic credentials every request must carry")
    String auth;

    @Option(names = "--insecure", description = "allow a --host beyond this machine without --api-auth")
    boolean insecure;

    @Option(
            names = "--cors-allow-origins",
            split = ",",
            paramLabel = "ORIGIN",
            description = "origins whose pages may"
                    + " call the API (comma-separated, e.g. http://localhost:3000; default: none)")
    List<String> corsOrigins = new ArrayList<>();

    @Option(
            names = "--queue",
            defaultValue = "16",
            paramLabel = "N",
            description = "requests that may wait; one more" + " gets 503 with Retry-After (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(
            names = "--per-model",
            defaultValue = "1",
            paramLabel = "N",
            description = "generations at once on one model (default: ${DEFAULT-VALUE})")
    int perModel;

    @Option(
            names = "--max-pixels",
            defaultValue = "1048576",
            description = "largest width x height (default: ${DEFAULT-VALUE} = 1024x1024)")
    long maxPixels;

    @Option(
            names = "--max-steps",
            defaultValue = "150",
            description = "most steps per image (default: ${DEFAULT-VALUE})")
    int maxSteps;

    @Option(names = "--max-batch", defaultValue = "8", description = "largest batch_size (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--max-n-iter", defaultValue = "16", description = "largest n_iter (default: ${DEFAULT-VALUE})")
    int maxIter;

    @Option(
            names = "--max-body-mb",
            defaultValue = "16",
            description = "largest request body in MiB (default: ${DEFAULT-VALUE})")
    int maxBodyMb;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ServerSettings settings;
        try {
            settings = new ServerSettings(
                    host,
                    port,
                    models,
                    Optional.ofNullable(embeddingDir),
                    Optional.ofNullable(loraDir),
                    Optional.ofNullable(outputDir),
                    Optional.ofNullable(auth),
                    insecure,
                    corsOrigins,
                    queue,
                    perModel,
                    new Limits(maxPixels, maxSteps, maxBatch, maxIter),
                    (long) maxBodyMb << 20);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return Main.USER_ERROR;
        }
        try (TorchsdServer server = start(settings, err)) {
            if (server == null) {
                return Main.USER_ERROR;
            }
            // kill (SIGTERM) too: stop the generations at their next step before the JVM exits under them
            Thread stop = new Thread(server::close, "torchsd-serve-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            spec.commandLine()
                    .getOut()
                    .println("serving " + String.join(", ", server.models()) + " on http://" + host + ":"
                            + server.port() + "/ (Ctrl-C stops)");
            spec.commandLine().getOut().flush();
            while (!Interrupts.requested()) {
                Thread.sleep(200);
            }
            err.println("stopping: running generations end at their next step");
            Runtime.getRuntime().removeShutdownHook(stop);
        }
        return 0;
    }

    private static TorchsdServer start(ServerSettings settings, PrintWriter err) {
        try {
            return TorchsdServer.start(settings);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return null;
        }
    }
}
