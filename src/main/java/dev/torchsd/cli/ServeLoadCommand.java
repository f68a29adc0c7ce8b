package dev.torchsd.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.StableDiffusion;
import dev.torchsd.bench.ProcessMemory;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.server.ServerSettings;
import dev.torchsd.server.TorchsdServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd serve-load}: a server on the built-in model, loaded from this machine's loopback
 * address only; a measurement to run by hand (docs/server.md), not a test. Three phases: concurrent
 * clients (every request answered 200, or 503 with Retry-After; no job lost or run twice; images
 * equal to the library's for the same settings; latency and throughput), resident memory over many
 * requests, and clients that disconnect mid-job (none left running, no native objects left).
 */
@Command(
        name = "serve-load",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Load a loopback torchsd server: concurrent txt2img clients, memory over many requests, disconnects.")
public final class ServeLoadCommand implements Callable<Integer> {
    private static final String PROMPT = "a large yellow triangle on the left, blue background";
    private static final int SEEDS = 4;

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", defaultValue = "16", description = "concurrent clients (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(
            names = "--requests",
            defaultValue = "8",
            description = "txt2img requests per client (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(
            names = "--memory-requests",
            defaultValue = "500",
            description = "requests of the memory phase (default: ${DEFAULT-VALUE})")
    int memoryRequests;

    @Option(
            names = "--disconnects",
            defaultValue = "50",
            description = "clients that go away mid-job (default: ${DEFAULT-VALUE})")
    int disconnects;

    @Option(
            names = "--queue",
            defaultValue = "8",
            description = "the server's waiting line (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--steps", defaultValue = "10", description = "steps per request (default: ${DEFAULT-VALUE})")
    int steps;

    private record Answer(int status, long nanos, String retryAfter, JsonObject body) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<BufferedImage> expected = new ArrayList<>();
        try (StableDiffusion library = StableDiffusion.builtin()) {
            for (int seed = 0; seed < SEEDS; seed++) {
                expected.add(library.generate(GenerationRequest.builder(PROMPT)
                                .seed(seed)
                                .steps(steps)
                                .guidanceScale(7)
                                .scheduler("Euler")
                                .size(64, 64)
                                .promptSyntax(PromptSyntax.A1111)
                                .build())
                        .image());
            }
        }
        List<String> failures = new ArrayList<>();
        try (TorchsdServer server =
                TorchsdServer.start(ServerSettings.defaults().withPort(0).withQueueLength(queue))) {
            String base = "http://127.0.0.1:" + server.port();
            concurrent(base, expected, out, failures);
            memory(base, out, failures);
            disconnects(base, server.port(), out, failures);
        }
        failures.forEach(f -> out.println("FAILED: " + f));
        out.println(failures.isEmpty() ? "all checks passed" : failures.size() + " checks failed");
        return failures.isEmpty() ? 0 : 1;
    }

    private void concurrent(String base, List<BufferedImage> expected, PrintWriter out, List<String> failures)
            throws Exception {
        JsonObject before = get(base + "/torchsd/v1/stats");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Answer> answers = new ArrayList<>();
        long start = System.nanoTime();
        try {
            List<Future<List<Answer>>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    List<Answer> mine = new ArrayList<>();
                    for (int k = 0; k < requests; k++) {
                        mine.add(txt2img(base, (client + k) % SEEDS));
                    }
                    return mine;
                }));
            }
            for (Future<List<Answer>> f : futures) {
                answers.addAll(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonObject after = get(base + "/torchsd/v1/stats");
        List<Long> latencies = new ArrayList<>();
        Set<Long> jobs = new HashSet<>();
        int ok = 0;
        int busy = 0;
        int wrongImages = 0;
        for (Answer a : answers) {
            if (a.status() == 200) {
                ok++;
                latencies.add(a.nanos());
                JsonObject info = JsonParser.parseString(a.body().get("info").getAsString())
                        .getAsJsonObject();
                jobs.add(info.get("torchsd_job").getAsLong());
                int seed = (int) info.get("seed").getAsLong();
                BufferedImage served =
                        image(a.body().getAsJsonArray("images").get(0).getAsString());
                if (!Arrays.equals(rgb(served), rgb(expected.get(seed)))) {
                    wrongImages++;
                }
            } else if (a.status() == 503 && a.retryAfter() != null) {
                busy++;
            } else {
                failures.add("a request answered " + a.status() + ": " + a.body());
            }
        }
        long completed = delta(after, before, "completed");
        out.printf(
                "concurrent: %d clients x %d requests: %d answered 200, %d answered 503 with Retry-After%n",
                clients, requests, ok, busy);
        out.printf(
                "  latency of the 200s: p50 %.2f s, p99 %.2f s; throughput %.2f images/s over %.1f s%n",
                percentile(latencies, 50), percentile(latencies, 99), ok / seconds, seconds);
        out.printf(
                "  server: %d admitted, %d completed, %d rejected, %d failed; %d distinct jobs; %d images differ%n",
                delta(after, before, "admitted"),
                completed,
                delta(after, before, "rejected"),
                delta(after, before, "failed"),
                jobs.size(),
                wrongImages);
        check(ok + busy == answers.size(), "every request answered 200 or 503 with Retry-After", failures);
        check(
                jobs.size() == ok && completed == ok,
                "each 200 is one job, run once (" + jobs.size() + " jobs, " + completed + " completed, " + ok
                        + " answers)",
                failures);
        check(delta(after, before, "rejected") == busy, "each 503 is one rejection", failures);
        check(wrongImages == 0, "images equal to the library's for the same settings", failures);
    }

    private void memory(String base, PrintWriter out, List<String> failures) throws Exception {
        int warmup = Math.min(100, memoryRequests / 5);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        ProcessMemory first;
        ProcessMemory last;
        long heapBefore;
        long heapAfter;
        try {
            run(pool, base, warmup);
            System.gc();
            first = ProcessMemory.now();
            heapBefore = Runtime.getRuntime().totalMemory();
            // the trend: resident memory after each fifth of the measured requests
            List<String> trend = new ArrayList<>();
            int measured = memoryRequests - warmup;
            for (int part = 1; part <= 5; part++) {
                run(pool, base, measured * part / 5 - measured * (part - 1) / 5);
                trend.add(String.format(Locale.ROOT, "%.1f", ProcessMemory.now().residentBytes() / 1e6));
            }
            out.println("memory trend (resident MB after each fifth): " + String.join(", ", trend));
            System.gc();
            last = ProcessMemory.now();
            heapAfter = Runtime.getRuntime().totalMemory();
        } finally {
            pool.shutdownNow();
        }
        double growth = 100.0 * (last.residentBytes() - first.residentBytes()) / first.residentBytes();
        out.printf(
                "memory: %d requests (%d warm-up): resident %.1f MB -> %.1f MB (%+.2f %%); heap committed %.1f MB ->"
                        + " %.1f MB of %.1f MB; JavaCPP pointers %d -> %d%n",
                memoryRequests,
                warmup,
                first.residentBytes() / 1e6,
                last.residentBytes() / 1e6,
                growth,
                heapBefore / 1e6,
                heapAfter / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6,
                first.javacppPointers(),
                last.javacppPointers());
        if (heapAfter < Runtime.getRuntime().maxMemory()) {
            out.println("  note: the heap may still grow, and its growth counts as resident memory; bin/torchsd runs"
                    + " serve-load with a fixed pre-touched heap (-Xms1g -Xmx1g -XX:+AlwaysPreTouch) unless"
                    + " TORCHSD_JAVA_OPTS is set");
        }
        check(growth < 2, "resident memory grows by less than 2 %", failures);
    }

    private void run(ExecutorService pool, String base, int n) throws Exception {
        List<Future<Answer>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int seed = i % SEEDS;
            futures.add(pool.submit(() -> txt2img(base, seed)));
        }
        for (Future<Answer> f : futures) {
            f.get();
        }
    }

    private void disconnects(String base, int port, PrintWriter out, List<String> failures) throws Exception {
        JsonObject before = get(base + "/torchsd/v1/stats");
        long pointers = ProcessMemory.now().javacppPointers();
        byte[] body = ("{\"prompt\": \"" + PROMPT + "\", \"steps\": 150, \"n_iter\": 4, \"sampler_name\": \"Euler\"}")
                .getBytes(StandardCharsets.UTF_8);
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < disconnects; i++) {
            Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port);
            OutputStream o = s.getOutputStream();
            o.write(("POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.write(body);
            o.flush();
            sockets.add(s);
        }
        Thread.sleep(500);
        for (Socket s : sockets) {
            s.close();
        }
        JsonObject after = get(base + "/torchsd/v1/stats");
        long deadline = System.currentTimeMillis() + 60_000;
        while ((after.get("running").getAsLong() > 0 || after.get("waiting").getAsLong() > 0)
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            after = get(base + "/torchsd/v1/stats");
        }
        System.gc();
        long admitted = delta(after, before, "admitted");
        long cancelled = delta(after, before, "cancelled");
        long left = ProcessMemory.now().javacppPointers() - pointers;
        out.printf(
                "disconnects: %d clients went away: %d admitted and cancelled %d (%d completed), %d refused (503);"
                        + " running now %d; JavaCPP pointers %+d%n",
                disconnects,
                admitted,
                cancelled,
                delta(after, before, "completed"),
                delta(after, before, "rejected"),
                after.get("running").getAsLong(),
                left);
        check(
                after.get("running").getAsLong() == 0 && after.get("waiting").getAsLong() == 0,
                "no job left running or waiting",
                failures);
        check(
                cancelled == admitted && delta(after, before, "completed") == 0,
                "every admitted job was cancelled",
                failures);
        check(left <= 0, "no native objects left behind", failures);
    }

    private Answer txt2img(String base, int seed) {
        String json = "{\"prompt\": \"" + PROMPT + "\", \"seed\": " + seed + ", \"steps\": " + steps
                + ", \"cfg_scale\": 7, \"sampler_name\": \"Euler\", \"width\": 64, \"height\": 64}";
        long start = System.nanoTime();
        try {
            HttpURLConnection c = (HttpURLConnection)
                    URI.create(base + "/sdapi/v1/txt2img").toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream o = c.getOutputStream()) {
                o.write(json.getBytes(StandardCharsets.UTF_8));
            }
            int status = c.getResponseCode();
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                JsonObject body = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .getAsJsonObject();
                return new Answer(status, System.nanoTime() - start, c.getHeaderField("Retry-After"), body);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonObject get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try (InputStream in = c.getInputStream()) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
    }

    private static long delta(JsonObject after, JsonObject before, String key) {
        return after.get(key).getAsLong() - before.get(key).getAsLong();
    }

    private static double percentile(List<Long> nanos, int p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1e9;
    }

    private static BufferedImage image(String base64) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
    }

    private static int[] rgb(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static void check(boolean ok, String what, List<String> failures) {
        if (!ok) {
            failures.add(what);
        }
    }
}
