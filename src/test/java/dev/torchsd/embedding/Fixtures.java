package dev.torchsd.embedding;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The fixtures written by native/fixtures/make_embeddings.py and the values torch recorded for them. */
final class Fixtures {
    static final Path DIR = Path.of("src", "test", "resources", "embeddings");

    private Fixtures() {}

    static Path file(String name) {
        return DIR.resolve(name);
    }

    /** expected.json; lenient because Python writes NaN for the NaN fixture. */
    static JsonObject expected() {
        try (Reader in = Files.newBufferedReader(DIR.resolve("expected.json"))) {
            JsonReader reader = new JsonReader(in);
            reader.setStrictness(Strictness.LENIENT);
            return JsonParser.parseReader(reader).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
