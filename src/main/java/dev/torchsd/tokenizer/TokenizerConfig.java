package dev.torchsd.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The pad token a Hugging Face tokenizer folder declares, so a diffusers model folder pads as diffusers
 * does: {@code <|endoftext|>} for SD 1.x, {@code !} for SD 2.x. Read from {@code tokenizer_config.json},
 * else {@code special_tokens_map.json}; {@code pad_token} is a string or an object with {@code content}.
 */
public final class TokenizerConfig {
    private TokenizerConfig() {}

    /** The pad token text declared in {@code folder}, if any. */
    public static Optional<String> padToken(Path folder) {
        for (String name : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
            Path file = folder.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JsonElement pad;
            try {
                JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
                pad = root.isJsonObject() ? root.getAsJsonObject().get("pad_token") : null;
            } catch (IOException | JsonParseException e) {
                throw new TokenizerException(file + ": not readable JSON: " + e.getMessage(), e);
            }
            if (pad != null && pad.isJsonPrimitive()) {
                return Optional.of(pad.getAsString());
            }
            if (pad != null && pad.isJsonObject() && pad.getAsJsonObject().has("content")) {
                JsonObject token = pad.getAsJsonObject();
                return Optional.of(token.get("content").getAsString());
            }
        }
        return Optional.empty();
    }
}
