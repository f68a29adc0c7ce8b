package dev.torchsd.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How {@code torchsd serve} runs: where it listens, what it serves, who may call it and how much
 * work it accepts.
 *
 * @param host             the address to bind (127.0.0.1 by default; others need {@code auth} or {@code insecure})
 * @param port             the port; 0 = any free one
 * @param models           model folders to serve; empty = the built-in model
 * @param embeddingDir     textual-inversion files loaded into every model, named by file (empty = none)
 * @param loraDir          the folder the prompts' {@code <lora:name:w>} tags are looked up in (empty = none)
 * @param outputDir        where {@code save_images} writes, under names the server makes (empty = not saved)
 * @param auth             "user:password" for HTTP Basic, as AUTOMATIC1111's --api-auth (empty = none)
 * @param insecure         allows a non-loopback address without auth
 * @param corsOrigins      origins allowed to call from a browser (empty = CORS off)
 * @param queueLength      requests that may wait for a model; one more gets 503
 * @param perModel         generations at once per model
 * @param limits           what one request may ask for
 * @param maxBodyBytes     the largest request body
 */
public record ServerSettings(
        String host,
        int port,
        List<Path> models,
        Optional<Path> embeddingDir,
        Optional<Path> loraDir,
        Optional<Path> outputDir,
        Optional<String> auth,
        boolean insecure,
        List<String> corsOrigins,
        int queueLength,
        int perModel,
        Limits limits,
        long maxBodyBytes) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 7860;
    public static final long DEFAULT_MAX_BODY = 16L << 20;

    public ServerSettings {
        models = List.copyOf(models);
        corsOrigins = List.copyOf(corsOrigins);
        if (queueLength < 0) {
            throw new IllegalArgumentException("queue length must be >= 0, got " + queueLength);
        }
        if (perModel < 1) {
            throw new IllegalArgumentException("generations per model must be >= 1, got " + perModel);
        }
        auth.ifPresent(a -> {
            if (a.indexOf(':') < 1) {
                throw new IllegalArgumentException("--api-auth must be USER:PASSWORD, got no ':' after a user name");
            }
        });
    }

    /** Loopback only, the built-in model, no auth, a waiting line of 16, one generation at a time. */
    public static ServerSettings defaults() {
        return new ServerSettings(
                LOOPBACK,
                DEFAULT_PORT,
                List.of(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                false,
                List.of(),
                16,
                1,
                Limits.DEFAULT,
                DEFAULT_MAX_BODY);
    }

    public ServerSettings withPort(int p) {
        return new ServerSettings(
                host,
                p,
                models,
                embeddingDir,
                loraDir,
                outputDir,
                auth,
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                limits,
                maxBodyBytes);
    }

    public ServerSettings withQueueLength(int n) {
        return new ServerSettings(
                host,
                port,
                models,
                embeddingDir,
                loraDir,
                outputDir,
                auth,
                insecure,
                corsOrigins,
                n,
                perModel,
                limits,
                maxBodyBytes);
    }

    public ServerSettings withAuth(String userColonPassword) {
        return new ServerSettings(
                host,
                port,
                models,
                embeddingDir,
                loraDir,
                outputDir,
                Optional.of(userColonPassword),
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                limits,
                maxBodyBytes);
    }

    public ServerSettings withOutputDir(Path dir) {
        return new ServerSettings(
                host,
                port,
                models,
                embeddingDir,
                loraDir,
                Optional.of(dir),
                auth,
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                limits,
                maxBodyBytes);
    }

    public ServerSettings withLoraDir(Path dir) {
        return new ServerSettings(
                host,
                port,
                models,
                embeddingDir,
                Optional.of(dir),
                outputDir,
                auth,
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                limits,
                maxBodyBytes);
    }

    public ServerSettings withEmbeddingDir(Path dir) {
        return new ServerSettings(
                host,
                port,
                models,
                Optional.of(dir),
                loraDir,
                outputDir,
                auth,
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                limits,
                maxBodyBytes);
    }

    public ServerSettings withLimits(Limits l) {
        return new ServerSettings(
                host,
                port,
                models,
                embeddingDir,
                loraDir,
                outputDir,
                auth,
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                l,
                maxBodyBytes);
    }

    public ServerSettings withMaxBodyBytes(long n) {
        return new ServerSettings(
                host,
                port,
                models,
                embeddingDir,
                loraDir,
                outputDir,
                auth,
                insecure,
                corsOrigins,
                queueLength,
                perModel,
                limits,
                n);
    }

    /** Refuses to listen beyond this machine without a password, unless told to. */
    void checkExposure() {
        if (!isLoopback(host) && auth.isEmpty() && !insecure) {
            throw new IllegalArgumentException("--host " + host + " listens beyond this machine: give --api-auth"
                    + " USER:PASSWORD, or --insecure to serve without a password");
        }
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
}
