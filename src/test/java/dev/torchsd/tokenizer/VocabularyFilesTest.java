package dev.torchsd.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken vocabulary files give one clear error naming the file, the line and what was wrong. */
class VocabularyFilesTest {
    @TempDir
    Path dir;

    private Path tinyCopy() throws IOException {
        Files.copy(TinyVocabulary.folder().resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.copy(TinyVocabulary.folder().resolve("merges.txt"), dir.resolve("merges.txt"));
        return dir;
    }

    private static void assertError(Runnable load, String... parts) {
        TokenizerException error = assertThrows(TokenizerException.class, load::run);
        for (String part : parts) {
            assertTrue(error.getMessage().contains(part), "expected \"" + part + "\" in: " + error.getMessage());
        }
    }

    private String vocab() throws IOException {
        return Files.readString(dir.resolve("vocab.json"), StandardCharsets.UTF_8);
    }

    @Test
    void missingFolderOrFiles() throws IOException {
        assertError(() -> ClipTokenizer.load(dir.resolve("nope"), 0), "vocabulary not found", "nope");
        assertError(() -> ClipTokenizer.fromFolder(dir.resolve("nope"), 0), "tokenizer folder not found");
        tinyCopy();
        Files.delete(dir.resolve("merges.txt"));
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "file not found", "merges.txt");
        Files.delete(dir.resolve("vocab.json"));
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "file not found", "vocab.json");
    }

    @Test
    void malformedJsonNamesTheLine() throws IOException {
        tinyCopy();
        Files.writeString(dir.resolve("vocab.json"), "{\n\"a\": 1,\n\"b\" 2\n}");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "vocab.json", "not valid JSON", "line 3");
        Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "vocab.json", "expected a JSON object", "found an array");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": \"one\"}");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "token \"a\"", "expected an integer id", "found a string");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 1.5}");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "token \"a\"", "found 1.5");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": -3}");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "found -3");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 2000000000, \"b\": 0}");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "id 2000000000 is far beyond the 2 tokens");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 1, \"a\": 2}");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "token \"a\" appears twice");
        Files.writeString(dir.resolve("vocab.json"), "");
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "vocab.json");
        Files.write(dir.resolve("vocab.json"), new byte[] {'{', '"', (byte) 0xFF, '"', ':', '1', '}'});
        assertError(() -> ClipTokenizer.fromFolder(dir, 0), "vocab.json", "not valid UTF-8");
    }

    @Test
    void vocabularyWithoutSpecialTokensOrWithSharedIds() throws IOException {
        tinyCopy();
        String vocab = vocab();
        Files.writeString(dir.resolve("vocab.json"), vocab.replace("\"<|startoftext|>\": 530, ", ""));
        assertError(() -> ClipTokenizer.fromFolder(dir, 531), "vocab.json", "has no \"<|startoftext|>\"");
        Files.writeString(
                dir.resolve("vocab.json"), vocab.replace("\"<|startoftext|>\": 530", "\"<|startoftext|>\": 5"));
        assertError(() -> ClipTokenizer.fromFolder(dir, 531), "id 5 is given to two tokens", "\"&\"");
        Files.writeString(dir.resolve("vocab.json"), vocab);
        assertError(() -> ClipTokenizer.fromFolder(dir, 532), "pad id 532 is outside the vocabulary (0..531)");
    }

    @Test
    void malformedMergesLineNamesFileAndLine() throws IOException {
        tinyCopy();
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na t</w>\nc  at</w>\n");
        assertError(
                () -> ClipTokenizer.fromFolder(dir, 531),
                "merges.txt line 3",
                "two tokens separated by one space",
                "\"c  at</w>\"");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nabc\n");
        assertError(() -> ClipTokenizer.fromFolder(dir, 531), "merges.txt line 2", "found \"abc\"");
    }

    @Test
    void mergeOfTokensTheVocabularyLacks() throws IOException {
        tinyCopy();
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na t</w>\nx yz\n");
        assertError(
                () -> ClipTokenizer.fromFolder(dir, 531),
                "merges.txt line 3",
                "merge \"x yz\"",
                "uses token \"yz\"",
                "vocab.json does not have");
        // Both parts exist but their concatenation does not.
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nx y</w>\n");
        assertError(() -> ClipTokenizer.fromFolder(dir, 531), "line 2", "uses token \"xy</w>\"");
    }

    @Test
    void brokenOpenAiGzFile() throws IOException {
        Path notGzip = dir.resolve("bpe_simple_vocab_16e6.txt.gz");
        Files.writeString(notGzip, "i n\n");
        assertError(() -> ClipTokenizer.load(notGzip, 0), "bpe_simple_vocab_16e6.txt.gz", "not a readable gzip file");
        Path badLine = dir.resolve("bad.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(badLine))) {
            out.write("header\ni n\nt h e\n".getBytes(StandardCharsets.UTF_8));
        }
        assertError(() -> ClipTokenizer.load(badLine, 0), "bad.txt.gz line 3", "found \"t h e\"");
        Path empty = dir.resolve("empty.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(empty))) {
            out.flush();
        }
        assertError(() -> ClipTokenizer.load(empty, 0), "empty.txt.gz", "empty");
    }

    @Test
    void padIdFromTheFolderConfig() throws IOException {
        tinyCopy();
        assertEquals(TinyVocabulary.EOS, ClipTokenizer.load(dir).padId(), "no config: <|endoftext|>");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
        assertEquals(0, ClipTokenizer.load(dir).padId());
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"pad_token\": {\"content\": \"<|endoftext|>\", \"normalized\": true}}");
        assertEquals(TinyVocabulary.EOS, ClipTokenizer.load(dir).padId(), "tokenizer_config.json comes first");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<pad>\"}");
        assertError(() -> ClipTokenizer.load(dir), "has no \"<pad>\", the pad token the tokenizer's config names");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": ");
        assertError(() -> ClipTokenizer.load(dir), "tokenizer_config.json", "not readable JSON");
        assertError(() -> ClipTokenizer.fromFolder(dir, -1), "pad id -1 is negative");
    }
}
