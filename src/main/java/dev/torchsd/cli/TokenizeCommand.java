package dev.torchsd.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.torchsd.embedding.EmbeddingTokens;
import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.embedding.TextualInversion;
import dev.torchsd.embedding.TextualInversionReader;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.model.BuiltinModel;
import dev.torchsd.model.Manifest;
import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd tokenize}: shows the CLIP token ids of texts, the way one inspects
 * {@code tokenizer.convert_ids_to_tokens} in Python, to compare with diffusers token by token.
 */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Show the CLIP token ids and tokens of each TEXT (with start and end of text).",
            "Without --model or --vocab the built-in model's vocabulary is used."
        })
public final class TokenizeCommand implements Callable<Integer> {

    /** A warning shows at most this many of the lost tokens: a 100,000-character prompt must not flood stderr. */
    private static final int MAX_DROPPED_SHOWN = 40;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true)
    Source source;

    static final class Source {
        @Option(
                names = {"-m", "--model"},
                paramLabel = "DIR",
                description = "a torchsd model folder (model.json) or a diffusers folder with tokenizer/vocab.json")
        Path model;

        @Option(
                names = "--vocab",
                paramLabel = "PATH",
                description = "a folder with vocab.json and merges.txt, or OpenAI's bpe_simple_vocab_16e6.txt.gz")
        Path vocab;
    }

    @Option(
            names = "--pad",
            description = "pad (or truncate, keeping the end of text) to 77 ids, as the text encoder gets them")
    boolean pad;

    @Option(
            names = "--pad-id",
            paramLabel = "ID",
            description = "the id --pad fills with (default: the model's, or the pad_token of the folder's "
                    + "tokenizer_config.json, else <|endoftext|>)")
    Integer padId;

    @Option(
            names = "--json",
            description = "one JSON object per TEXT: {\"text\", \"ids\", \"tokens\"[, \"truncated\"]}")
    boolean json;

    @Option(
            names = "--embedding",
            paramLabel = "FILE[:TOKEN]",
            converter = EmbeddingArgument.Converter.class,
            description =
                    "add a textual-inversion embedding's tokens (TOKEN, TOKEN_1, ...) under TOKEN (default: the file"
                            + " name without extension) and expand them as generation does; repeatable")
    List<EmbeddingArgument> embeddings = new ArrayList<>();

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "the texts to tokenize")
    List<String> texts;

    /** The model's text-encoder width when a model folder is read (embeddings are checked against it). */
    private Integer hiddenSize;

    @Override
    public Integer call() {
        ClipTokenizer tokenizer = loadTokenizer();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EmbeddingTokens added = addEmbeddings(tokenizer, err);
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        for (int n = 0; n < texts.size(); n++) {
            String text = texts.get(n);
            int[] full = added.expand(tokenizer.encode(text));
            int[] ids = full;
            Integer truncated = null;
            if (pad) {
                Encoding encoding = tokenizer.pad(full);
                ids = encoding.ids();
                truncated = encoding.truncated();
            }
            warnIfTooLong(tokenizer, full, n + 1, err);
            List<String> tokens = tokenizer.idsToTokens(ids);
            if (json) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("text", text);
                line.put("ids", ids);
                line.put("tokens", tokens);
                if (truncated != null) {
                    line.put("truncated", truncated);
                }
                out.println(gson.toJson(line));
            } else {
                printTable(out, gson.toJson(text), ids, tokens, full.length, tokenizer.padId());
            }
        }
        out.flush();
        return 0;
    }

    /** Adds the --embedding files' tokens, checking their width against the model's when there is one. */
    private EmbeddingTokens addEmbeddings(ClipTokenizer tokenizer, PrintWriter err) {
        EmbeddingTokens added = EmbeddingTokens.NONE;
        for (EmbeddingArgument argument : embeddings) {
            TextualInversion embedding = TextualInversionReader.read(argument.file());
            embedding.vectorsFor(
                    hiddenSize != null
                            ? hiddenSize
                            : embedding.vectorSets().get(0).hiddenSize());
            added = added.addTo(
                    tokenizer, embedding, argument.token() != null ? argument.token() : embedding.defaultToken());
            LoadedEmbedding loaded = added.loaded().get(added.loaded().size() - 1);
            err.println("embedding " + argument.file() + ": " + loaded.tokens().size() + " token(s) " + loaded.token()
                    + (loaded.tokens().size() > 1
                            ? " … " + loaded.tokens().get(loaded.tokens().size() - 1)
                            : "")
                    + ", ids " + loaded.ids()[0]
                    + (loaded.ids().length > 1 ? ".." + loaded.ids()[loaded.ids().length - 1] : "")
                    + "; vocabulary " + tokenizer.vocabularySize());
            loaded.warnings().forEach(w -> err.println("warning: " + argument.file() + ": " + w));
        }
        err.flush();
        return added;
    }

    private ClipTokenizer loadTokenizer() {
        if (source != null && source.vocab != null) {
            return padId != null ? ClipTokenizer.load(source.vocab, padId) : ClipTokenizer.load(source.vocab);
        }
        Path folder = source != null && source.model != null ? source.model : BuiltinModel.folder();
        if (Files.isRegularFile(folder.resolve(Manifest.FILE_NAME))) {
            Manifest manifest = Manifest.read(folder);
            hiddenSize = manifest.textEncoder().hiddenSize();
            return ClipTokenizer.load(
                    folder.resolve(manifest.tokenizer()),
                    padId != null ? padId : manifest.textEncoder().padTokenId());
        }
        Path tokenizerFolder = folder.resolve("tokenizer");
        if (!Files.isDirectory(tokenizerFolder)) {
            throw new TorchsdException(folder + ": not a model folder (expected " + Manifest.FILE_NAME
                    + " or a tokenizer/ folder with vocab.json and merges.txt)");
        }
        return padId != null ? ClipTokenizer.load(tokenizerFolder, padId) : ClipTokenizer.load(tokenizerFolder);
    }

    /** As diffusers: a prompt longer than 77 ids loses its end, and the user should see which words. */
    private void warnIfTooLong(ClipTokenizer tokenizer, int[] full, int number, PrintWriter err) {
        int lost = full.length - tokenizer.maxLength();
        if (lost <= 0) {
            return;
        }
        String dropped = tokenizer.decode(Arrays.copyOfRange(
                full,
                tokenizer.maxLength() - 1,
                Math.min(full.length - 1, tokenizer.maxLength() - 1 + MAX_DROPPED_SHOWN)));
        if (lost > MAX_DROPPED_SHOWN) {
            dropped += " ... (" + (lost - MAX_DROPPED_SHOWN) + " more tokens)";
        }
        err.println("warning: TEXT " + number + " has " + lost + " token(s) more than CLIP's " + tokenizer.maxLength()
                + (pad ? "; truncated, dropping: " : "; generation truncates it, dropping: ") + dropped);
        err.flush();
    }

    private static void printTable(
            PrintWriter out, String quotedText, int[] ids, List<String> tokens, int unpadded, int padId) {
        out.println(quotedText + ": " + Math.min(unpadded, ids.length) + " ids"
                + (ids.length > unpadded ? " + " + (ids.length - unpadded) + " padding" : ""));
        out.println(String.format("%7s  %6s  %s", "pos", "id", "token"));
        int shown = ids.length;
        while (shown > unpadded && shown > 0 && ids[shown - 1] == padId) {
            shown--;
        }
        for (int i = 0; i < shown; i++) {
            out.println(String.format("%7d  %6d  %s", i, ids[i], tokens.get(i)));
        }
        if (shown < ids.length) {
            out.println(String.format(
                    "%7s  %6d  %s  (padding)", shown + ".." + (ids.length - 1), padId, tokens.get(shown)));
        }
    }
}
