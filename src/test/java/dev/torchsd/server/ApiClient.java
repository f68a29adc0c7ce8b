package dev.torchsd.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A client of a test server on the loopback address, as AUTOMATIC1111's clients call it. */
final class ApiClient {
    record Reply(int status, String body, Map<String, List<String>> headers) {
        JsonElement json() {
            return JsonParser.parseString(body);
        }

        JsonObject object() {
            return json().getAsJsonObject();
        }

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> name.equalsIgnoreCase(e.getKey()))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }

        /** The message of a 422. */
        String message() {
            return object().getAsJsonArray("detail")
                    .get(0)
                    .getAsJsonObject()
                    .get("msg")
                    .getAsString();
        }

        /** The field a 422 names: FastAPI's loc without its leading "body". */
        String field() {
            var loc = object().getAsJsonArray("detail").get(0).getAsJsonObject().getAsJsonArray("loc");
            StringBuilder field = new StringBuilder();
            for (int i = 1; i < loc.size(); i++) {
                field.append(i > 1 ? "." : "").append(loc.get(i).getAsString());
            }
            return field.toString();
        }
    }

    private final String base;
    private final String authorization;

    ApiClient(int port) {
        this(port, null);
    }

    ApiClient(int port, String userColonPassword) {
        this.base = "http://127.0.0.1:" + port;
        this.authorization = userColonPassword == null
                ? null
                : "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    Reply get(String path) {
        return send("GET", path, null);
    }

    Reply post(String path, String json) {
        return send("POST", path, json.getBytes(StandardCharsets.UTF_8));
    }

    Reply post(String path, JsonElement json) {
        return post(path, json.toString());
    }

    Reply send(String method, String path, byte[] body) {
        try {
            HttpURLConnection c =
                    (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(10_000);
            c.setReadTimeout(300_000);
            if (authorization != null) {
                c.setRequestProperty("Authorization", authorization);
            }
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Reply(status, text, c.getHeaderFields());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": " + e, e);
        }
    }

    static byte[] png(String base64) {
        return Base64.getDecoder().decode(base64);
    }

    static BufferedImage image(String base64) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png(base64)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }
}
