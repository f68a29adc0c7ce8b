package dev.torchsd.study;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.image.WholeFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes a study's folder: study.csv (one row per generation), study.json (summaries and rows) and the charts. */
public final class StudyReport {
    private StudyReport() {}

    /** Checks, before any work, that {@code dir} exists or can be created and is writable. */
    public static void checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TorchsdException("cannot write the study to " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new TorchsdException("cannot write the study to " + dir + ": not a writable folder");
        }
    }

    /**
     * Writes study.csv, study.json, critical-steps.csv, the three-way curves (three-way.csv, when the study ran
     * three-way) and the charts ({@link StudyCharts}); returns the files written.
     */
    public static List<Path> write(Path dir, NegativeTimingStudy.Result result) {
        checkWritable(dir);
        List<Path> files = new ArrayList<>();
        files.add(text(dir.resolve("study.csv"), csv(result.rows())));
        files.add(text(dir.resolve("study.json"), json(result)));
        files.add(text(dir.resolve("critical-steps.csv"), criticalCsv(result.criticalSteps())));
        if (!result.curves().isEmpty()) {
            files.add(text(dir.resolve("three-way.csv"), threeWayCsv(result.curves())));
        }
        files.addAll(StudyCharts.write(dir, result));
        return List.copyOf(files);
    }

    private static Path text(Path file, String content) {
        WholeFile.write(file, content.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    /** One row per seed and automatic start (one per seed without automatic starts). */
    static String criticalCsv(List<CriticalStep> steps) {
        StringBuilder out = new StringBuilder(
                "seed,critical_step,latest_safe_start,start,picked_step,negated_present,kept_fraction\n");
        for (CriticalStep c : steps) {
            String seed = c.seed() + "," + number(c.critical()) + "," + number(c.latestSafe());
            if (c.landings().isEmpty()) {
                out.append(seed).append(",,,,\n");
            }
            for (CriticalStep.Landing l : c.landings()) {
                out.append(seed)
                        .append(',')
                        .append(l.start())
                        .append(',')
                        .append(number(l.step()))
                        .append(',')
                        .append(l.negatedPresent())
                        .append(',')
                        .append(number(l.keptFraction()))
                        .append('\n');
            }
        }
        return out.toString();
    }

    static String threeWayCsv(List<ThreeWayCurve> curves) {
        StringBuilder out = new StringBuilder(
                "start,call,step,seeds,negative_effect_mean,negative_effect_sd,alignment_mean,alignment_sd\n");
        for (ThreeWayCurve curve : curves) {
            for (ThreeWayCurve.Point p : curve.points()) {
                out.append(curve.start())
                        .append(',')
                        .append(p.call())
                        .append(',')
                        .append(number(p.step()))
                        .append(',')
                        .append(p.seeds());
                for (double v : new double[] {p.effectMean(), p.effectSd(), p.alignmentMean(), p.alignmentSd()}) {
                    out.append(',').append(number(v));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    static String csv(List<StudyRow> rows) {
        StudyRow first = rows.get(0);
        StringBuilder out = new StringBuilder("start,seed,start_step,negated_present,kept_fraction");
        first.kept().keySet().forEach(name -> out.append(",kept_").append(name));
        out.append(",mean_abs_difference,mean_squared_error");
        first.attributes().keySet().forEach(name -> out.append(',').append(name));
        out.append('\n');
        for (StudyRow r : rows) {
            out.append(r.start())
                    .append(',')
                    .append(r.seed())
                    .append(',')
                    .append(number(r.startStep()))
                    .append(',')
                    .append(r.negatedPresent())
                    .append(',')
                    .append(number(r.keptFraction()));
            first.kept()
                    .keySet()
                    .forEach(name -> out.append(',').append(r.kept().get(name)));
            out.append(',').append(number(r.meanAbsDifference())).append(',').append(number(r.meanSquaredError()));
            first.attributes()
                    .keySet()
                    .forEach(name -> out.append(',')
                            .append(
                                    r.attributes().get(name) == null
                                            ? ""
                                            : r.attributes().get(name)));
            out.append('\n');
        }
        return out.toString();
    }

    static String json(NegativeTimingStudy.Result result) {
        JsonObject root = new JsonObject();
        root.addProperty("prompt", result.request().prompt());
        root.addProperty("negative_prompt", result.request().negativePrompt());
        root.addProperty("steps", result.request().steps());
        root.addProperty("scheduler", result.request().scheduler().orElse("the model's"));
        number(root, "guidance_scale", result.request().guidanceScale());
        root.addProperty("negated", result.negated().toString());
        JsonArray summaries = new JsonArray();
        for (StudySummary s : result.summaries()) {
            JsonObject o = new JsonObject();
            o.addProperty("start", s.start());
            number(o, "start_fraction", s.startFraction());
            o.addProperty("seeds", s.seeds());
            number(o, "negated_rate", s.negatedRate());
            number(o, "kept_rate", s.keptRate());
            JsonObject kept = new JsonObject();
            s.keptByAttribute().forEach((name, rate) -> number(kept, name, rate));
            o.add("kept_by_attribute", kept);
            number(o, "mean_abs_difference", s.meanAbsDifference());
            number(o, "psnr_db", s.psnr());
            summaries.add(o);
        }
        root.add("summaries", summaries);
        JsonArray rows = new JsonArray();
        for (StudyRow r : result.rows()) {
            JsonObject o = new JsonObject();
            o.addProperty("start", r.start());
            o.addProperty("seed", r.seed());
            number(o, "start_step", r.startStep());
            JsonObject attributes = new JsonObject();
            r.attributes().forEach(attributes::addProperty);
            o.add("attributes", attributes);
            o.addProperty("negated_present", r.negatedPresent());
            JsonObject kept = new JsonObject();
            r.kept().forEach(kept::addProperty);
            o.add("kept", kept);
            number(o, "mean_abs_difference", r.meanAbsDifference());
            number(o, "mean_squared_error", r.meanSquaredError());
            rows.add(o);
        }
        root.add("rows", rows);
        return new GsonBuilder()
                        .setPrettyPrinting()
                        .disableHtmlEscaping()
                        .create()
                        .toJson(root) + "\n";
    }

    /** The summaries as a Markdown table (what docs/negative-prompts.md quotes). */
    public static String markdown(NegativeTimingStudy.Result result) {
        StringBuilder out = new StringBuilder("| start | mean start | negated (" + result.negated() + ") | kept | ");
        List<String> attributes =
                List.copyOf(result.summaries().get(0).keptByAttribute().keySet());
        attributes.forEach(a -> out.append(a).append(" | "));
        out.append("mean abs diff | PSNR dB |\n|");
        out.append("---|".repeat(6 + attributes.size())).append('\n');
        for (StudySummary s : result.summaries()) {
            out.append("| ")
                    .append(s.start())
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", s.startFraction()))
                    .append(" | ")
                    .append(percent(s.negatedRate()))
                    .append(" | ")
                    .append(percent(s.keptRate()))
                    .append(" | ");
            for (String a : attributes) {
                out.append(percent(s.keptByAttribute().get(a))).append(" | ");
            }
            out.append(String.format(
                    Locale.ROOT,
                    "%.1f | %s |%n",
                    s.meanAbsDifference(),
                    Double.isFinite(s.psnr()) ? String.format(Locale.ROOT, "%.1f", s.psnr()) : "∞"));
        }
        return out.toString();
    }

    /** Per seed: the measured critical step, the latest safe start and each automatic start's landing. */
    public static String criticalMarkdown(NegativeTimingStudy.Result result) {
        StringBuilder out = new StringBuilder("| seed | critical step | latest safe start | start | picked step |" + " "
                + result.negated() + " shows | kept |\n|---|---|---|---|---|---|---|\n");
        for (CriticalStep c : result.criticalSteps()) {
            String seed = "| " + c.seed() + " | " + step(c.critical()) + " | " + step(c.latestSafe()) + " | ";
            for (CriticalStep.Landing l : c.landings()) {
                out.append(seed)
                        .append(l.start())
                        .append(" | ")
                        .append(step(l.step()))
                        .append(" | ")
                        .append(l.negatedPresent() ? "yes" : "no")
                        .append(" | ")
                        .append(percent(l.keptFraction()))
                        .append(" |\n");
            }
        }
        return out.toString();
    }

    private static String step(double step) {
        if (Double.isNaN(step)) {
            return "—";
        }
        return step == Math.rint(step) ? Long.toString((long) step) : String.format(Locale.ROOT, "%.2f", step);
    }

    private static String percent(double rate) {
        return Math.round(rate * 100) + " %";
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }

    private static void number(JsonObject o, String key, double value) {
        if (Double.isFinite(value)) {
            o.addProperty(key, value);
        } else {
            o.add(key, JsonNull.INSTANCE);
        }
    }
}
