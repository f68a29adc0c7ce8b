package dev.torchsd.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinGson;
import io.javalin.security.BasicAuthCredentials;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code torchsd serve}: AUTOMATIC1111's HTTP API and a web page on Javalin (Jetty). Start with
 * {@link #start(ServerSettings)}, stop with {@link #close()} (which also closes the models).
 */
public final class TorchsdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TorchsdServer.class);
    /** The page's own files only: no inline script or style, no other origin, no framing. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
    /** A generation may keep its connection silent this long (the disconnect watch ends gone clients sooner). */
    private static final Duration IDLE_TIMEOUT = Duration.ofHours(1);

    private static final Map<String, String> PAGE =
            Map.of("/", "index.html", "/app.js", "app.js", "/app.css", "app.css");

    private final ServedModels models;
    private final Javalin app;

    private TorchsdServer(ServerSettings settings, ServedModels models) {
        this.models = models;
        Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
        GenerationQueue queue = new GenerationQueue(settings.queueLength(), settings.perModel());
        SdApi api = new SdApi(settings, models, queue, gson);
        this.app = Javalin.create(config -> configure(config, settings, api, gson));
    }

    /** Loads the models, then listens; refuses a non-loopback address without auth or --insecure. */
    public static TorchsdServer start(ServerSettings settings) {
        settings.checkExposure();
        ServedModels models = ServedModels.load(settings.models(), settings.embeddingDir(), settings.loraDir());
        try {
            TorchsdServer server = new TorchsdServer(settings, models);
            try {
                server.app.start();
            } catch (JavalinBindException e) {
                throw new IllegalArgumentException("cannot listen on " + settings.host() + ":" + settings.port()
                        + ": the port is in use (another server?) or the address is not this machine's; choose --port");
            }
            for (Connector c : server.app.jettyServer().server().getConnectors()) {
                if (c instanceof ServerConnector connector) {
                    connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
                }
            }
            models.warnings().forEach(w -> LOG.warn("embedding: {}", w));
            return server;
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
    }

    /** The port it listens on (the actual one when started with port 0). */
    public int port() {
        return app.port();
    }

    /** The titles of the served models. */
    public List<String> models() {
        return models.titles();
    }

    @Override
    public void close() {
        app.stop();
        models.close();
    }

    private static void configure(JavalinConfig config, ServerSettings settings, SdApi api, Gson gson) {
        config.jetty.host = settings.host();
        config.jetty.port = settings.port();
        config.http.maxRequestSize = settings.maxBodyBytes();
        config.jsonMapper(new JavalinGson(gson, false));
        config.startup.showJavalinBanner = false;
        if (!settings.corsOrigins().isEmpty()) {
            config.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                String first = settings.corsOrigins().get(0);
                String[] rest = settings.corsOrigins()
                        .subList(1, settings.corsOrigins().size())
                        .toArray(String[]::new);
                rule.allowHost(first, rest);
            }));
        }
        var routes = config.routes;
        routes.before(ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            settings.auth().ifPresent(auth -> checkAuth(ctx, auth));
        });
        PAGE.forEach((path, file) -> routes.get(path, ctx -> page(ctx, file)));
        String v1 = "/sdapi/v1/";
        routes.post(v1 + "txt2img", api::txt2img);
        routes.post(v1 + "img2img", api::img2img);
        routes.get(v1 + "progress", api::progress);
        routes.post(v1 + "interrupt", api::interrupt);
        routes.post(v1 + "skip", api::skip);
        routes.get(v1 + "options", api::getOptions);
        routes.post(v1 + "options", api::setOptions);
        routes.get(v1 + "sd-models", api::sdModels);
        routes.get(v1 + "samplers", api::samplers);
        routes.get(v1 + "schedulers", api::schedulers);
        routes.get(v1 + "upscalers", api::upscalers);
        routes.get(v1 + "latent-upscale-modes", api::latentUpscaleModes);
        routes.get(v1 + "sd-vae", api::sdVae);
        routes.get(v1 + "loras", api::loras);
        routes.post(v1 + "refresh-loras", api::refreshLoras);
        routes.get(v1 + "embeddings", api::embeddings);
        routes.post(v1 + "png-info", api::pngInfo);
        routes.get("/torchsd/v1/stats", api::stats);
        routes.exception(FieldException.class, (e, ctx) -> validationError(ctx, e, gson));
        routes.exception(ApiException.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            error(ctx, e.status(), "HTTPException", e.getMessage(), gson);
        });
        routes.exception(
                HttpResponseException.class,
                (e, ctx) -> error(ctx, e.getStatus(), "HTTPException", e.getMessage(), gson));
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, e.getClass().getSimpleName(), String.valueOf(e.getMessage()), gson);
        });
        routes.error(404, ctx -> {
            if (ctx.result() == null || !ctx.res().getContentType().startsWith("application/json")) {
                error(ctx, 404, "HTTPException", "Not Found: " + ctx.method() + " " + ctx.path(), gson);
            }
        });
    }

    /** HTTP Basic as AUTOMATIC1111's --api-auth, compared in constant time. */
    private static void checkAuth(Context ctx, String auth) {
        BasicAuthCredentials given = ctx.header("Authorization") == null ? null : ctx.basicAuthCredentials();
        byte[] expected = auth.getBytes(StandardCharsets.UTF_8);
        byte[] found = given == null
                ? new byte[0]
                : (given.getUsername() + ":" + given.getPassword()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, found)) {
            throw new ApiException(
                    401, "Incorrect username or password", Map.of("WWW-Authenticate", "Basic realm=\"torchsd\""));
        }
    }

    private static void page(Context ctx, String file) {
        String type = file.endsWith(".html")
                ? "text/html; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        try (InputStream in = TorchsdServer.class.getResourceAsStream("web/" + file)) {
            if (in == null) {
                throw new ApiException(404, "the page's " + file + " is missing from this build");
            }
            ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .header("Referrer-Policy", "no-referrer")
                    .header("Cache-Control", "no-cache")
                    .contentType(type)
                    .result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** FastAPI's validation error, as AUTOMATIC1111 answers a bad field: {@code {"detail": [{"loc", "msg", "type"}]}}. */
    private static void validationError(Context ctx, FieldException e, Gson gson) {
        JsonArray loc = new JsonArray();
        loc.add("body");
        for (String part : e.field().split("\\.")) {
            loc.add(part);
        }
        JsonObject item = new JsonObject();
        item.add("loc", loc);
        item.addProperty("msg", e.getMessage());
        item.addProperty("type", "value_error");
        JsonArray detail = new JsonArray();
        detail.add(item);
        JsonObject body = new JsonObject();
        body.add("detail", detail);
        ctx.status(422).contentType("application/json").result(gson.toJson(body));
    }

    /** AUTOMATIC1111's error answer: {@code {"error", "detail", "body", "errors"}}; never a stack trace. */
    private static void error(Context ctx, int status, String type, String detail, Gson gson) {
        JsonObject body = new JsonObject();
        body.addProperty("error", type);
        body.addProperty("detail", detail);
        body.addProperty("body", "");
        body.addProperty("errors", detail);
        ctx.status(status).contentType("application/json").result(gson.toJson(body));
    }
}
