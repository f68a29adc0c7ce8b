package dev.torchsd.tokenizer;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the two forms a CLIP vocabulary is shipped in.
 * <ul>
 * <li>Hugging Face's, in a model's {@code tokenizer/} folder: {@code vocab.json} (token → id) and
 * {@code merges.txt} (a {@code #version: ...} line, then one merge a line: two tokens and one space).</li>
 * <li>OpenAI's {@code bpe_simple_vocab_16e6.txt.gz}: a header line, then merges; CLIP uses the first
 * 48,894 of them and derives the ids: 256 byte symbols, the same with {@code </w>}, one token per merge,
 * then {@code <|startoftext|>} and {@code <|endoftext|>} (49,408 in all).</li>
 * </ul>
 * Errors name the file and line and say what was expected and found.
 */
final class VocabularyFiles {
    /** How many merges OpenAI's tokenizer takes from its .txt.gz file (49152 - 256 - 2). */
    static final int OPENAI_MERGE_COUNT = 48_894;

    private VocabularyFiles() {}

    static Vocabulary readHuggingFaceFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new TokenizerException(
                    "tokenizer folder not found: " + folder + " (expected a folder with vocab.json and merges.txt)");
        }
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        // The two files are independent: reading them side by side halves the load time on two cores.
        CompletableFuture<List<Vocabulary.Merge>> merges =
                CompletableFuture.supplyAsync(() -> readMergesTxt(mergesFile));
        Map<String, Integer> ids = readVocabJson(vocabFile);
        try {
            return new Vocabulary(ids, merges.join(), vocabFile.toString(), mergesFile.toString());
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    static Vocabulary readOpenAiBpe(Path gzFile) {
        List<Vocabulary.Merge> merges = new ArrayList<>(OPENAI_MERGE_COUNT);
        try (BufferedReader reader = utf8Reader(gzFile, true)) {
            String header = reader.readLine();
            if (header == null) {
                throw new TokenizerException(gzFile + ": the file is empty (expected a header line, then merges)");
            }
            int lineNumber = 1;
            for (String line = reader.readLine();
                    line != null && merges.size() < OPENAI_MERGE_COUNT;
                    line = reader.readLine()) {
                lineNumber++;
                if (!line.isEmpty()) {
                    merges.add(parseMerge(line, gzFile, lineNumber));
                }
            }
        } catch (IOException e) {
            throw readError(gzFile, e);
        }
        Map<String, Integer> ids = new HashMap<>(2 * (512 + merges.size() + 2));
        for (int i = 0; i < 256; i++) {
            ids.put(String.valueOf(ByteAlphabet.charOf(ByteAlphabet.byteInVocabularyOrder(i))), i);
        }
        for (int i = 0; i < 256; i++) {
            ids.put(ByteAlphabet.charOf(ByteAlphabet.byteInVocabularyOrder(i)) + "</w>", 256 + i);
        }
        // As OpenAI's dict(zip(vocab, range(len(vocab)))): a token listed twice keeps its last id.
        for (int rank = 0; rank < merges.size(); rank++) {
            ids.put(merges.get(rank).left() + merges.get(rank).right(), 512 + rank);
        }
        ids.put(ClipPreTokenizer.START_OF_TEXT, 512 + merges.size());
        ids.put(ClipPreTokenizer.END_OF_TEXT, 512 + merges.size() + 1);
        String source = gzFile.toString();
        return new Vocabulary(ids, merges, source, source);
    }

    private static Map<String, Integer> readVocabJson(Path file) {
        Map<String, Integer> ids = new HashMap<>(1 << 17);
        try (JsonReader json = new JsonReader(utf8Reader(file, false))) {
            JsonToken first = json.peek();
            if (first != JsonToken.BEGIN_OBJECT) {
                throw new TokenizerException(
                        file + ": expected a JSON object of token to id, found " + describe(first) + " " + where(json));
            }
            json.beginObject();
            while (json.hasNext()) {
                String token = json.nextName();
                if (json.peek() != JsonToken.NUMBER) {
                    throw new TokenizerException(file + ": token \"" + token + "\" " + where(json)
                            + ": expected an integer id, found " + describe(json.peek()));
                }
                String text = json.nextString();
                int id;
                try {
                    id = Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    id = -1;
                }
                if (id < 0) {
                    throw new TokenizerException(file + ": token \"" + token + "\" " + where(json)
                            + ": expected an id from 0 to " + Integer.MAX_VALUE + ", found " + text);
                }
                if (ids.put(token, id) != null) {
                    throw new TokenizerException(file + ": token \"" + token + "\" appears twice " + where(json));
                }
            }
            json.endObject();
            if (json.peek() != JsonToken.END_DOCUMENT) {
                throw new TokenizerException(file + ": expected the end of the file after the object, found "
                        + describe(json.peek()) + " " + where(json));
            }
        } catch (MalformedJsonException | java.io.EOFException e) {
            throw new TokenizerException(file + ": not valid JSON: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new TokenizerException(file + ": not a JSON object of token to id: " + e.getMessage(), e);
        } catch (IOException e) {
            throw readError(file, e);
        }
        if (ids.isEmpty()) {
            throw new TokenizerException(file + ": the vocabulary is empty (expected token to id entries)");
        }
        return ids;
    }

    private static List<Vocabulary.Merge> readMergesTxt(Path file) {
        List<Vocabulary.Merge> merges = new ArrayList<>(OPENAI_MERGE_COUNT);
        try (BufferedReader reader = utf8Reader(file, false)) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (line.isEmpty() || (lineNumber == 1 && line.startsWith("#version"))) {
                    continue;
                }
                merges.add(parseMerge(line, file, lineNumber));
            }
        } catch (IOException e) {
            throw readError(file, e);
        }
        return merges;
    }

    private static Vocabulary.Merge parseMerge(String line, Path file, int lineNumber) {
        int space = line.indexOf(' ');
        if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
            throw new TokenizerException(file + " line " + lineNumber
                    + ": expected a merge, two tokens separated by one space, found \"" + line + "\"");
        }
        return new Vocabulary.Merge(line.substring(0, space), line.substring(space + 1), lineNumber);
    }

    private static BufferedReader utf8Reader(Path file, boolean gzip) throws IOException {
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        var in = Files.newInputStream(file);
        try {
            Reader reader = new InputStreamReader(gzip ? new GZIPInputStream(in, 1 << 16) : in, decoder);
            return new BufferedReader(reader, 1 << 16);
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    private static TokenizerException readError(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new TokenizerException("file not found: " + file, e);
        }
        if (e instanceof CharacterCodingException) {
            return new TokenizerException(file + ": not valid UTF-8 text", e);
        }
        if (e instanceof ZipException
                || (e instanceof java.io.EOFException && file.toString().endsWith(".gz"))) {
            return new TokenizerException(file + ": not a readable gzip file (" + e.getMessage() + ")", e);
        }
        return new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
    }

    private static String where(JsonReader json) {
        String location = json.toString(); // "JsonReader at line L column C path $.x"
        int at = location.indexOf(" at line ");
        return at >= 0 ? location.substring(at + 1) : location;
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case BEGIN_ARRAY -> "an array";
            case BEGIN_OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case END_DOCUMENT -> "the end of the file";
            default -> token.toString();
        };
    }
}
