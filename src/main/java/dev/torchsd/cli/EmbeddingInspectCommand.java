package dev.torchsd.cli;

import com.google.gson.GsonBuilder;
import dev.torchsd.embedding.TextualInversion;
import dev.torchsd.embedding.TextualInversionReader;
import dev.torchsd.embedding.VectorSet;
import dev.torchsd.model.NearestTokens;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd embedding inspect FILE}: what a textual-inversion file holds — format, token(s),
 * vector count, hidden size, dtype and each vector's norm — read with the same code that loads it;
 * with a model, the vocabulary tokens nearest to each vector ({@link NearestTokens}).
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show what a textual-inversion file holds: format, tokens, vectors, hidden size, dtype, norms.",
            "With --model and --nearest K: the K vocabulary tokens nearest to each vector."
        })
public final class EmbeddingInspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The embedding: .safetensors, .pt or .bin.")
    Path file;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "The token to show the expansion for (default: the file's own, see docs/embeddings.md).")
    String token;

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "DIR",
            description =
                    "A torchsd model folder: check the vectors' width against its text encoder and, with --nearest,"
                            + " search its token-embedding table.")
    Path model;

    @Option(
            names = "--nearest",
            paramLabel = "K",
            defaultValue = "0",
            description =
                    "For each vector, the K vocabulary tokens most similar to it (cosine similarity in the model's"
                            + " token-embedding table); needs --model.")
    int nearest;

    @Option(
            names = "--text-encoder",
            paramLabel = "N",
            defaultValue = "0",
            description = "With --model: the text encoder whose table is searched and whose width picks the vectors:"
                    + " 0 (default: SD 1.x/2.x's, SDXL's CLIP-L for clip_l vectors) or 1 (SDXL's OpenCLIP bigG, for"
                    + " clip_g vectors).")
    int textEncoder;

    @Override
    public Integer call() {
        if (nearest < 0) {
            throw new ParameterException(spec.commandLine(), "--nearest must be at least 1, got " + nearest);
        }
        if (nearest > 0 && model == null) {
            throw new ParameterException(spec.commandLine(), "--nearest needs --model DIR (the vocabulary to search)");
        }
        TextualInversion ti = TextualInversionReader.read(file);
        String shownToken = token != null ? token : ti.defaultToken();
        List<List<NearestTokens.Neighbour>> neighbours = List.of();
        if (model != null) {
            try (NearestTokens table = NearestTokens.open(model, textEncoder)) {
                float[][] vectors = table.vectorsOf(ti);
                if (nearest > 0) {
                    neighbours = table.nearest(vectors, nearest);
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> report = report(ti, shownToken);
            if (model != null) {
                report.put("model", model.toString());
            }
            if (nearest > 0) {
                report.put("nearest", neighbours);
            }
            out.println(new GsonBuilder()
                    .setPrettyPrinting()
                    .serializeSpecialFloatingPointValues()
                    .disableHtmlEscaping()
                    .create()
                    .toJson(report));
        } else {
            printText(out, ti, shownToken);
            if (nearest > 0) {
                printNearest(out, ti.tokens(shownToken), neighbours);
            }
        }
        out.flush();
        return 0;
    }

    /** The JSON document: a map so that the field names are the documented ones. */
    static Map<String, Object> report(TextualInversion ti, String token) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", ti.file().toString());
        report.put("container", ti.format().container().name());
        report.put("layout", ti.format().layout().name());
        report.put("format", ti.format().description());
        report.put("token", token);
        report.put("tokens", ti.tokens(token));
        report.put("storedName", ti.storedName());
        report.put("vectorCount", ti.vectorCount());
        report.put("dtype", ti.dtype().torchName());
        List<Map<String, Object>> sets = new ArrayList<>();
        for (VectorSet set : ti.vectorSets()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("key", set.key());
            item.put("vectors", set.vectorCount());
            item.put("hiddenSize", set.hiddenSize());
            item.put("norms", set.norms());
            sets.add(item);
        }
        report.put("vectorSets", sets);
        report.put("warnings", ti.warnings());
        return report;
    }

    private static void printNearest(
            PrintWriter out, List<String> tokens, List<List<NearestTokens.Neighbour>> neighbours) {
        out.println("nearest vocabulary tokens (cosine similarity):");
        for (int i = 0; i < neighbours.size(); i++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-24s", tokens.get(i)));
            for (NearestTokens.Neighbour n : neighbours.get(i)) {
                line.append(String.format(Locale.ROOT, " %s (%.3f)", n.token(), n.cosine()));
            }
            out.println(line);
        }
    }

    private static void printText(PrintWriter out, TextualInversion ti, String token) {
        List<String> tokens = ti.tokens(token);
        out.printf("file:        %s%n", ti.file());
        out.printf("format:      %s%n", ti.format().description());
        out.printf("token:       %s%n", token);
        if (tokens.size() > 1) {
            out.printf(
                    "expands to:  %s%n",
                    tokens.size() <= 4
                            ? String.join(" ", tokens)
                            : tokens.get(0) + " " + tokens.get(1) + " ... " + tokens.get(tokens.size() - 1) + " ("
                                    + tokens.size() + " tokens)");
        }
        if (ti.storedName() != null && !ti.storedName().equals(token)) {
            out.printf("stored name: %s%n", ti.storedName());
        }
        out.printf("vectors:     %d%n", ti.vectorCount());
        out.printf("dtype:       %s%n", ti.dtype().torchName());
        for (VectorSet set : ti.vectorSets()) {
            String prefix = ti.vectorSets().size() > 1 ? set.key() + " " : "";
            out.printf("%shidden size: %d%n", prefix, set.hiddenSize());
            double[] norms = set.norms();
            out.printf("%snorms:%n", prefix);
            for (int i = 0; i < norms.length; i++) {
                out.printf(Locale.ROOT, "  %-3d %-24s %.4f%n", i, tokens.get(i), norms[i]);
            }
        }
        for (String warning : ti.warnings()) {
            out.printf("warning: %s%n", warning);
        }
    }
}
