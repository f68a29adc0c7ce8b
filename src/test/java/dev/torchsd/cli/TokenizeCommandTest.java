package dev.torchsd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code torchsd tokenize} through the real command line, on the tokenizer tests' tiny vocabulary. */
class TokenizeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static String tinyVocab() {
        try {
            return Path.of(TokenizeCommandTest.class
                            .getResource("/dev/torchsd/tokenizer/tiny/vocab.json")
                            .toURI())
                    .getParent()
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private int run(String... args) {
        var commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    @Test
    void jsonLinePerText() {
        assertEquals(0, run("tokenize", "--vocab", tinyVocab(), "--json", "A photo of a cat", "café & <b>"));
        String[] lines = out.toString().split("\n");
        assertEquals(2, lines.length);
        JsonObject first = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals("A photo of a cat", first.get("text").getAsString());
        assertEquals("[530,320,520,516,320,513,531]", first.get("ids").toString());
        assertEquals(
                "[\"<|startoftext|>\",\"a</w>\",\"photo</w>\",\"of</w>\",\"a</w>\",\"cat</w>\",\"<|endoftext|>\"]",
                first.get("tokens").toString());
        assertTrue(!first.has("truncated"));
        // No HTML escaping of the text in the JSON line.
        assertTrue(lines[1].startsWith("{\"text\":\"café & <b>\""), lines[1]);
        assertEquals("", err.toString());
    }

    @Test
    void paddedJsonHas77IdsAndTheTruncatedCountAndWarns() {
        assertEquals(0, run("tokenize", "--vocab", tinyVocab(), "--json", "--pad", "cat", "dog ".repeat(78)));
        String[] lines = out.toString().split("\n");
        JsonObject shortText = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals(77, shortText.getAsJsonArray("ids").size());
        assertEquals(0, shortText.get("truncated").getAsInt());
        assertEquals(531, shortText.getAsJsonArray("ids").get(76).getAsInt());
        JsonObject longText = JsonParser.parseString(lines[1]).getAsJsonObject();
        assertEquals(3, longText.get("truncated").getAsInt());
        assertEquals(531, longText.getAsJsonArray("ids").get(76).getAsInt());
        assertEquals(
                "warning: TEXT 2 has 3 token(s) more than CLIP's 77; truncated, dropping: dog dog dog\n",
                err.toString());
    }

    @Test
    void unpaddedLongTextStillWarns() {
        assertEquals(0, run("tokenize", "--vocab", tinyVocab(), "--json", "cat ".repeat(76)));
        assertEquals(
                78,
                JsonParser.parseString(out.toString())
                        .getAsJsonObject()
                        .getAsJsonArray("ids")
                        .size());
        assertTrue(
                err.toString()
                        .contains("TEXT 1 has 1 token(s) more than CLIP's 77; generation truncates it, dropping: cat"),
                err.toString());
    }

    @Test
    void hundredThousandCharactersGiveOneShortWarning() {
        assertEquals(0, run("tokenize", "--vocab", tinyVocab(), "--json", "--pad", "cat ".repeat(25_000)));
        assertEquals(
                24_925,
                JsonParser.parseString(out.toString())
                        .getAsJsonObject()
                        .get("truncated")
                        .getAsInt());
        assertEquals(
                "warning: TEXT 1 has 24925 token(s) more than CLIP's 77; truncated, dropping: " + "cat ".repeat(39)
                        + "cat ... (24885 more tokens)\n",
                err.toString());
    }

    @Test
    void readableTable() {
        assertEquals(0, run("tokenize", "--vocab", tinyVocab(), "--pad", "--pad-id", "0", "the cat"));
        assertEquals(
                String.join(
                        "\n",
                        "\"the cat\": 4 ids + 73 padding",
                        "    pos      id  token",
                        "      0     530  <|startoftext|>",
                        "      1     515  the</w>",
                        "      2     513  cat</w>",
                        "      3     531  <|endoftext|>",
                        "  4..76       0  !  (padding)",
                        ""),
                out.toString());
    }

    @Test
    void diffusersFolderPadsWithItsDeclaredPadToken(@TempDir Path model) throws IOException {
        Path tokenizer = Files.createDirectories(model.resolve("tokenizer"));
        Files.copy(Path.of(tinyVocab(), "vocab.json"), tokenizer.resolve("vocab.json"));
        Files.copy(Path.of(tinyVocab(), "merges.txt"), tokenizer.resolve("merges.txt"));
        Files.writeString(
                tokenizer.resolve("tokenizer_config.json"),
                "{\"model_max_length\": 77, \"pad_token\": {\"content\": \"!\", \"lstrip\": false}}");
        assertEquals(0, run("tokenize", "--model", model.toString(), "--json", "--pad", "cat"));
        assertEquals(
                0,
                JsonParser.parseString(out.toString())
                        .getAsJsonObject()
                        .getAsJsonArray("ids")
                        .get(3)
                        .getAsInt());
    }

    @Test
    void userErrorsAreOneLineAndExitCodeTwo(@TempDir Path empty) {
        assertEquals(2, run("tokenize", "--vocab", empty.resolve("missing").toString(), "x"));
        assertTrue(err.toString().startsWith("error: vocabulary not found: "), err.toString());
        assertEquals(2, run("tokenize", "--model", empty.toString(), "x"));
        assertTrue(err.toString().contains("not a model folder"), err.toString());
        assertEquals(2, run("tokenize", "--vocab", tinyVocab(), "--pad", "--pad-id", "9999", "x"));
        assertTrue(err.toString().contains("pad id 9999 is outside the vocabulary"), err.toString());
        assertEquals(2, run("tokenize", "--vocab", tinyVocab()));
        assertTrue(err.toString().contains("Missing required parameter"), err.toString());
    }
}
