package dev.torchsd.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
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
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd serve-load}: a server on the built-in model, loaded from this machine's loopback
 * address only; a measurement to run by hand (docs/server.md), not a test. Five phases: concurrent
 * clients (every request answered 200, or 503 with Retry-After; no job lost or run twice; images
 * equal to the library's for the same settings; latency and throughput), resident memory over many
 * requests, clients that disconnect mid-job (none left running, no native objects left), an
 * interrupt mid-job (the partial result, as AUTOMATIC1111 answers it), and faulty requests (each
 * refused with 422 or 413 in AUTOMATIC1111's error shape); after the last two the server must serve
 * the next request normally.
 */
@Command(
        name = "serve-load",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Load a loopback torchsd server: concurrent txt2img clients, memory over many requests, disconnects,"
                        + " an interrupt, faulty requests.")
public final class ServeLoadCommand implements Callable<Integer> {
    private static final String PROMPT = "a large yellow triangle on the left, blue background";
    private static final int SEEDS = 4;
    private static final Gson GSON = new Gson();
    /** A job long enough to be caught mid-sampling: 150 steps, each of its batches 150 more. */
    private static final int LONG_BATCHES = 4;

    private static final String LONG_JOB = "{\"prompt\": \"" + PROMPT + "\", \"steps\": 150, \"n_iter\": "
            + LONG_BATCHES + ", \"sampler_name\": \"Euler\"}";

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
            interrupt(base, expected.get(0), out, failures);
            faults(base, server.port(), expected.get(1), out, failures);
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
                JsonObject info = info(a);
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
        byte[] body = LONG_JOB.getBytes(StandardCharsets.UTF_8);
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < disconnects; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
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

    private void interrupt(String base, BufferedImage expected, PrintWriter out, List<String> failures)
            throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> running = pool.submit(() -> post(base + "/sdapi/v1/txt2img", LONG_JOB));
            JsonObject state = progressState(base);
            long deadline = System.currentTimeMillis() + 60_000;
            while (state.get("sampling_step").getAsInt() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
                state = progressState(base);
            }
            long start = System.nanoTime();
            int interrupted = post(base + "/sdapi/v1/interrupt", "").status();
            Answer job = running.get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            JsonArray images = job.status() == 200 ? job.body().getAsJsonArray("images") : new JsonArray();
            JsonObject info = job.status() == 200 ? info(job) : new JsonObject();
            boolean flagged = info.has("interrupted") && info.get("interrupted").getAsBoolean();
            BufferedImage first = images.isEmpty() ? null : image(images.get(0).getAsString());
            String size = first == null ? "no image" : first.getWidth() + "x" + first.getHeight();
            boolean next = servesNormally(base, 0, expected);
            out.printf(
                    "interrupt: at step %d of %d (batch %d of %d): interrupt answered %d, the job %d after %.2f s with"
                            + " %d of %d images (%s) and info.interrupted %s; next request %s%n",
                    state.get("sampling_step").getAsInt(),
                    state.get("sampling_steps").getAsInt(),
                    state.get("job_no").getAsInt() + 1,
                    state.get("job_count").getAsInt(),
                    interrupted,
                    job.status(),
                    seconds,
                    images.size(),
                    LONG_BATCHES,
                    size,
                    flagged,
                    next ? "200 with the library's image" : "not served normally");
            check(interrupted == 200 && job.status() == 200, "interrupt and the interrupted job answer 200", failures);
            check(
                    flagged && !images.isEmpty() && images.size() < LONG_BATCHES && "64x64".equals(size),
                    "an interrupted job answers its partial result (its images so far, info.interrupted)",
                    failures);
            check(next, "the request after an interrupt is served normally", failures);
        } finally {
            pool.shutdownNow();
        }
    }

    private record Fault(String what, int status, String location, Callable<Answer> send) {}

    private void faults(String base, int port, BufferedImage expected, PrintWriter out, List<String> failures)
            throws Exception {
        String txt2img = base + "/sdapi/v1/txt2img";
        String hugeImage = blankPng(4096, 4096);
        List<Fault> faults = List.of(
                new Fault(
                        "malformed JSON",
                        422,
                        "body",
                        () -> post(txt2img, withPrompt("steps", 10).replace("}", ""))),
                new Fault("steps as a string", 422, "steps", () -> post(txt2img, withPrompt("steps", "ten"))),
                new Fault(
                        "init image of 4096x4096 pixels (" + hugeImage.length() / 1000 + " kB of base64)",
                        422,
                        "init_images.0",
                        () -> post(base + "/sdapi/v1/img2img", withPrompt("init_images", List.of(hugeImage)))),
                new Fault("100 MB body", 413, null, () -> streamedPost(port, "/sdapi/v1/txt2img", 100L << 20)),
                new Fault("width 100000", 422, "width", () -> post(txt2img, withPrompt("width", 100_000))),
                new Fault("steps 100000", 422, "steps", () -> post(txt2img, withPrompt("steps", 100_000))));
        for (Fault fault : faults) {
            Answer a = fault.send().call();
            String says = errorSays(a);
            out.printf(
                    "fault: %s: %d %s%n",
                    fault.what(), a.status(), says == null ? "not in AUTOMATIC1111's error shape: " + a.body() : says);
            check(
                    a.status() == fault.status()
                            && says != null
                            && (fault.location() == null || says.startsWith(fault.location() + ": ")),
                    fault.what() + " refused with " + fault.status()
                            + (fault.location() == null ? "" : " at " + fault.location())
                            + " in AUTOMATIC1111's error shape",
                    failures);
        }
        boolean next = servesNormally(base, 1, expected);
        out.println("faults: next request " + (next ? "200 with the library's image" : "not served normally"));
        check(next, "the request after the faults is served normally", failures);
    }

    /**
     * What an error answer says, if it has AUTOMATIC1111's shape (FastAPI's {@code {"detail": [{"loc",
     * "msg", "type"}]}} for a 422, {@code {"error", "detail", "body", "errors"}} otherwise), else null.
     */
    private static String errorSays(Answer a) {
        JsonObject body = a.body();
        if (a.status() == 422 && body.has("detail") && body.get("detail").isJsonArray()) {
            JsonObject item = body.getAsJsonArray("detail").get(0).getAsJsonObject();
            if (item.has("loc") && item.has("msg") && item.has("type")) {
                List<String> field = new ArrayList<>(); // the loc after its first part, "body"
                item.getAsJsonArray("loc").forEach(part -> field.add(part.getAsString()));
                return String.join(".", field.subList(1, field.size())) + ": "
                        + item.get("msg").getAsString();
            }
        }
        if (a.status() != 422 && body.has("error") && body.has("detail") && body.has("body") && body.has("errors")) {
            return body.get("error").getAsString() + ": " + body.get("detail").getAsString();
        }
        return null;
    }

    /** Whether a request is answered as any other: 200, not interrupted, the library's image. */
    private boolean servesNormally(String base, int seed, BufferedImage expected) throws IOException {
        Answer a = txt2img(base, seed);
        return a.status() == 200
                && !info(a).get("interrupted").getAsBoolean()
                && Arrays.equals(
                        rgb(image(a.body().getAsJsonArray("images").get(0).getAsString())), rgb(expected));
    }

    private static JsonObject progressState(String base) throws IOException {
        return get(base + "/sdapi/v1/progress?skip_current_image=true").getAsJsonObject("state");
    }

    private static JsonObject info(Answer a) {
        return JsonParser.parseString(a.body().get("info").getAsString()).getAsJsonObject();
    }

    /** A txt2img body: the prompt and one more field, as JSON. */
    private static String withPrompt(String key, Object value) {
        JsonObject body = new JsonObject();
        body.addProperty("prompt", PROMPT);
        body.add(key, GSON.toJsonTree(value));
        return GSON.toJson(body);
    }

    /** A black PNG of that size: a few kilobytes that decode to many pixels. */
    private static String blankPng(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_BYTE_BINARY), "png", png);
        return Base64.getEncoder().encodeToString(png.toByteArray());
    }

    /**
     * POSTs a JSON body of {@code bytes} bytes, written from one small buffer, and reads the answer
     * meanwhile (a server may answer before it has read the body, and close the connection).
     */
    private static Answer streamedPost(int port, String path, long bytes) throws Exception {
        byte[] head = "{\"prompt\": \"".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] filler = new byte[1 << 16];
        Arrays.fill(filler, (byte) 'a');
        long start = System.nanoTime();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            OutputStream o = s.getOutputStream();
            o.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Connection: close\r\nContent-Length: " + bytes + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            writer.execute(() -> {
                try {
                    o.write(head);
                    for (long left = bytes - head.length - tail.length; left > 0; left -= filler.length) {
                        o.write(filler, 0, (int) Math.min(left, filler.length));
                    }
                    o.write(tail);
                    o.flush();
                } catch (IOException e) {
                    // the server answered and closed the connection before reading it all
                }
            });
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.split(" ", 3)[1]);
            String json = answer.substring(answer.indexOf("\r\n\r\n") + 4);
            return new Answer(
                    status,
                    System.nanoTime() - start,
                    null,
                    JsonParser.parseString(json).getAsJsonObject());
        } finally {
            writer.shutdownNow();
        }
    }

    private Answer txt2img(String base, int seed) {
        return post(
                base + "/sdapi/v1/txt2img",
                "{\"prompt\": \"" + PROMPT + "\", \"seed\": " + seed + ", \"steps\": " + steps
                        + ", \"cfg_scale\": 7, \"sampler_name\": \"Euler\", \"width\": 64, \"height\": 64}");
    }

    private static Answer post(String url, String json) {
        long start = System.nanoTime();
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
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
