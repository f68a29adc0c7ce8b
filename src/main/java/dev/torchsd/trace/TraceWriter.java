package dev.torchsd.trace;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.image.ImageGrid;
import dev.torchsd.image.PngWriter;
import dev.torchsd.pipeline.GenerationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes a trace folder: trace.json, trace.csv and sheet.png (previews and curves on one page). */
public final class TraceWriter {
    private TraceWriter() {}

    /** Checks, before any work, that {@code dir} exists or can be created and is writable. */
    public static void checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TorchsdException("cannot write the trace to " + dir + ": " + e.getMessage());
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new TorchsdException("cannot write the trace to " + dir + ": not a writable folder");
        }
    }

    public static void write(Path dir, TraceRecorder trace, GenerationResult result) {
        checkWritable(dir);
        List<StepRecord> records = trace.records();
        try {
            Files.writeString(dir.resolve("trace.json"), json(records, result), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("trace.csv"), csv(records), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TorchsdException("cannot write the trace to " + dir + ": " + e.getMessage(), e);
        }
        PngWriter.write(
                ContactSheet.render(records, trace.previews(), result), result.infotext(), dir.resolve("sheet.png"));
        if (!trace.branchPreviews().isEmpty()) {
            PngWriter.write(
                    ImageGrid.render(
                            "x0 of the empty, negative and positive branches",
                            trace.branchPreviews(),
                            trace.branchLabels()),
                    result.infotext(),
                    dir.resolve("branches.png"));
        }
    }

    static String json(List<StepRecord> records, GenerationResult result) {
        JsonObject root = new JsonObject();
        root.addProperty("parameters", result.infotext());
        JsonArray steps = new JsonArray();
        for (StepRecord r : records) {
            JsonObject o = new JsonObject();
            o.addProperty("call", r.call());
            o.addProperty("timestep", r.timestep());
            number(o, "sigma", r.sigma());
            o.addProperty("negative_active", r.negativeActive());
            number(o, "norm_eps_negative", r.normNegative());
            number(o, "norm_eps_positive", r.normPositive());
            number(o, "norm_difference", r.normDifference());
            number(o, "cosine", r.cosine());
            number(o, "norm_guidance", r.normGuidance());
            number(o, "negative_effect", r.negativeEffect());
            number(o, "alignment", r.alignment());
            steps.add(o);
        }
        root.add("steps", steps);
        return new GsonBuilder()
                        .setPrettyPrinting()
                        .disableHtmlEscaping()
                        .create()
                        .toJson(root) + "\n";
    }

    private static void number(JsonObject o, String key, double value) {
        if (Double.isFinite(value)) {
            o.addProperty(key, value);
        } else {
            o.add(key, com.google.gson.JsonNull.INSTANCE);
        }
    }

    static String csv(List<StepRecord> records) {
        StringBuilder out = new StringBuilder(
                "call,timestep,sigma,negative_active,norm_eps_negative,norm_eps_positive,norm_difference,cosine,norm_guidance,"
                        + "negative_effect,alignment\n");
        for (StepRecord r : records) {
            out.append(String.format(
                    Locale.ROOT,
                    "%d,%s,%s,%b,%s,%s,%s,%s,%s,%s,%s%n",
                    r.call(),
                    fmt(r.timestep()),
                    fmt(r.sigma()),
                    r.negativeActive(),
                    fmt(r.normNegative()),
                    fmt(r.normPositive()),
                    fmt(r.normDifference()),
                    fmt(r.cosine()),
                    fmt(r.normGuidance()),
                    fmt(r.negativeEffect()),
                    fmt(r.alignment())));
        }
        return out.toString();
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }
}
