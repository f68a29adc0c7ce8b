package dev.torchsd.spark;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.StepPoint;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The request columns of a row, read into a {@link GenerationRequest}. Only {@code prompt} is required;
 * a missing column or a null value means the library's default, as {@code torchsd generate} without that
 * option. Numbers may be typed or text (CSV read without a schema). Other columns pass through.
 */
final class RequestColumns {
    static final String PROMPT = "prompt";
    static final String NEGATIVE_PROMPT = "negative_prompt";
    /** 0..2^63-1; null or -1: a random seed in 0..2^32-1, as AUTOMATIC1111 picks (the output's final_seed tells it). */
    static final String SEED = "seed";

    static final String STEPS = "steps";
    static final String GUIDANCE = "guidance";
    static final String WIDTH = "width";
    static final String HEIGHT = "height";
    /** A diffusers class or AUTOMATIC1111 name. */
    static final String SCHEDULER = "scheduler";
    /** A step index ("10") or a fraction of the steps ("0.4", "40%"), as --negative-start. */
    static final String NEGATIVE_START = "negative_start";

    static final String NEGATIVE_END = "negative_end";
    static final String CLIP_SKIP = "clip_skip";
    /** plain or a1111. */
    static final String PROMPT_SYNTAX = "prompt_syntax";
    /** Names of the job's embeddings the prompts use: an array of strings, or one string separated by commas. */
    static final String EMBEDDINGS = "embeddings";

    static final Set<String> ALL = Set.of(
            PROMPT,
            NEGATIVE_PROMPT,
            SEED,
            STEPS,
            GUIDANCE,
            WIDTH,
            HEIGHT,
            SCHEDULER,
            NEGATIVE_START,
            NEGATIVE_END,
            CLIP_SKIP,
            PROMPT_SYNTAX,
            EMBEDDINGS);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Row row;

    private RequestColumns(Row row) {
        this.row = row;
    }

    /** Fails, naming the column, when the requests have no prompt column. */
    static void check(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(PROMPT)) {
            throw new TorchsdException("the requests have no '" + PROMPT + "' column; found "
                    + Arrays.toString(schema.fieldNames()) + "; request columns: " + ALL);
        }
    }

    /** The row's request; bad values throw a {@link TorchsdException} naming the column. */
    static GenerationRequest read(Row row) {
        return new RequestColumns(row).request();
    }

    /** The embedding names the row says it uses. */
    static List<String> embeddings(Row row) {
        Object value = new RequestColumns(row).value(EMBEDDINGS);
        if (value == null) {
            return List.of();
        }
        List<?> names = value instanceof String s
                ? Arrays.asList(s.split(","))
                : value instanceof scala.collection.Seq<?> seq
                        ? scala.jdk.javaapi.CollectionConverters.asJava(seq)
                        : null;
        if (names == null) {
            throw new TorchsdException(
                    "column " + EMBEDDINGS + ": expected an array of strings or a comma-separated string," + " found "
                            + value.getClass().getSimpleName());
        }
        return names.stream()
                .map(n -> String.valueOf(n).strip())
                .filter(n -> !n.isEmpty())
                .toList();
    }

    private GenerationRequest request() {
        Object prompt = raw(PROMPT);
        if (prompt == null) {
            throw new TorchsdException("column " + PROMPT + ": null; every request needs a prompt");
        }
        GenerationRequest.Builder request = GenerationRequest.builder(prompt.toString())
                .negativePrompt(text(NEGATIVE_PROMPT))
                .seed(seed())
                .width(integer(WIDTH))
                .height(integer(HEIGHT))
                .scheduler(text(SCHEDULER));
        Integer steps = integer(STEPS);
        if (steps != null) {
            request.steps(steps);
        }
        Double guidance = decimal(GUIDANCE);
        if (guidance != null) {
            request.guidanceScale(guidance);
        }
        Integer clipSkip = integer(CLIP_SKIP);
        if (clipSkip != null) {
            request.clipSkip(clipSkip);
        }
        String syntax = text(PROMPT_SYNTAX);
        if (syntax != null) {
            request.promptSyntax(PromptSyntax.parse(syntax));
        }
        String start = text(NEGATIVE_START);
        String end = text(NEGATIVE_END);
        if (start != null || end != null) {
            request.negativeWindow(new NegativeWindow(
                    start == null ? NegativeWindow.ALWAYS.start() : stepPoint(NEGATIVE_START, start),
                    end == null ? NegativeWindow.ALWAYS.end() : stepPoint(NEGATIVE_END, end)));
        }
        return request.build();
    }

    private long seed() {
        Long seed = integral(SEED);
        if (seed == null || seed == -1) {
            return RANDOM.nextLong() & 0xFFFFFFFFL;
        }
        if (seed < 0) {
            throw new TorchsdException("column " + SEED + ": expected -1 or 0.." + Long.MAX_VALUE + ", found " + seed);
        }
        return seed;
    }

    private static StepPoint stepPoint(String column, String text) {
        try {
            return StepPoint.parse(text);
        } catch (TorchsdException e) {
            throw new TorchsdException("column " + column + ": " + e.getMessage(), e);
        }
    }

    /** The column's value; null when the row has no such column. */
    private Object raw(String column) {
        int index = row.schema().getFieldIndex(column).getOrElse(() -> -1);
        return index < 0 || row.isNullAt(index) ? null : row.get(index);
    }

    /** The column's value; null for a missing, null or blank one (the default). */
    private Object value(String column) {
        Object v = raw(column);
        return v instanceof String s && s.isBlank() ? null : v;
    }

    private String text(String column) {
        Object v = value(column);
        return v == null ? null : v.toString();
    }

    private Integer integer(String column) {
        Long v = integral(column);
        if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
            throw new TorchsdException("column " + column + ": expected an integer, found " + v);
        }
        return v == null ? null : v.intValue();
    }

    private Long integral(String column) {
        Object v = value(column);
        if (v == null || v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return v == null ? null : ((Number) v).longValue();
        }
        try {
            return Long.parseLong(v.toString().strip());
        } catch (NumberFormatException e) {
            throw new TorchsdException("column " + column + ": expected an integer, found '" + v + "'");
        }
    }

    private Double decimal(String column) {
        Object v = value(column);
        if (v == null || v instanceof Number) {
            return v == null ? null : ((Number) v).doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().strip());
        } catch (NumberFormatException e) {
            throw new TorchsdException("column " + column + ": expected a number, found '" + v + "'");
        }
    }
}
