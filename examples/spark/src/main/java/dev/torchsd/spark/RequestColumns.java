package dev.torchsd.spark;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.LoraWeight;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.StepPoint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.imageio.ImageIO;
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
    /**
     * LoRAs of the job's LoRA folder, as {@code name[:weight[:unet_weight]]}: an array of strings, or one
     * string separated by commas (as --lora FILE:WEIGHT:UNET_WEIGHT with FILE found by name).
     */
    static final String LORAS = "loras";
    /** The image to start from: PNG/JPEG bytes, or a path relative to the job's images folder. */
    static final String INIT_IMAGE = "init_image";
    /** How far the init image is noised, 0..1 (as --strength; default 0.8). */
    static final String STRENGTH = "strength";

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
            EMBEDDINGS,
            LORAS,
            INIT_IMAGE,
            STRENGTH);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Row row;
    private final InputFolders folders;

    private RequestColumns(Row row, InputFolders folders) {
        this.row = row;
        this.folders = folders;
    }

    /** Fails, naming the column, when the requests have no prompt column. */
    static void check(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(PROMPT)) {
            throw new TorchsdException("the requests have no '" + PROMPT + "' column; found "
                    + Arrays.toString(schema.fieldNames()) + "; request columns: " + ALL);
        }
    }

    /** The row's request, for a job without LoRA or images folder. */
    static GenerationRequest read(Row row) {
        return read(row, InputFolders.NONE);
    }

    /** The row's request, its LoRAs and init image found in {@code folders}; bad values throw a {@link TorchsdException} naming the column. */
    static GenerationRequest read(Row row, InputFolders folders) {
        return new RequestColumns(row, folders).request();
    }

    /** The embedding names the row says it uses. */
    static List<String> embeddings(Row row) {
        return new RequestColumns(row, InputFolders.NONE).names(EMBEDDINGS);
    }

    /** An array of strings or one comma-separated string, each stripped, blanks dropped; empty when null. */
    private List<String> names(String column) {
        Object value = value(column);
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
                    "column " + column + ": expected an array of strings or a comma-separated string," + " found "
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
        loras().forEach(request::lora);
        initImage().ifPresent(request::image);
        return request.build();
    }

    /** {@code name[:te[:unet]]} each, the file found by name in the job's LoRA folder (te defaults to 1, unet to te). */
    private List<LoraWeight> loras() {
        List<String> specs = names(LORAS);
        if (specs.isEmpty()) {
            return List.of();
        }
        Path folder = folders.loraFolder()
                .orElseThrow(() -> new TorchsdException(
                        "column " + LORAS + ": the row uses " + specs + " but the job has no LoRA folder"));
        return specs.stream()
                .map(spec -> {
                    String[] parts = spec.split(":");
                    if (parts.length > 3) {
                        throw new TorchsdException(
                                "column " + LORAS + ": '" + spec + "': expected name[:weight[:unet_weight]]");
                    }
                    double te = parts.length > 1 ? weight(spec, parts[1]) : 1.0;
                    double unet = parts.length > 2 ? weight(spec, parts[2]) : te;
                    try {
                        return new LoraWeight(StableDiffusion.findLora(folder, parts[0].strip()), te, unet);
                    } catch (TorchsdException e) {
                        throw new TorchsdException("column " + LORAS + ": " + e.getMessage(), e);
                    }
                })
                .toList();
    }

    private static double weight(String spec, String text) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new TorchsdException("column " + LORAS + ": '" + spec + "': weight '" + text + "' is not a number");
        }
    }

    /** The init image (bytes, or a path inside the images folder) with the row's strength; empty without one. */
    private Optional<ImageInput> initImage() {
        Object value = value(INIT_IMAGE);
        Double strength = decimal(STRENGTH);
        if (value == null) {
            if (strength != null) {
                throw new TorchsdException("column " + STRENGTH + ": " + strength + " but the row has no " + INIT_IMAGE
                        + " (strength applies to image-to-image)");
            }
            return Optional.empty();
        }
        ImageInput input = ImageInput.of(value instanceof byte[] bytes ? decode(bytes) : read(value.toString()));
        return Optional.of(strength == null ? input : input.withStrength(strength));
    }

    private static BufferedImage decode(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw new TorchsdException("column " + INIT_IMAGE + ": " + bytes.length
                        + " bytes that are not an image this reader knows (PNG, JPEG, BMP, GIF)");
            }
            return image;
        } catch (IOException e) {
            throw new TorchsdException("column " + INIT_IMAGE + ": not a readable image: " + e.getMessage(), e);
        }
    }

    /** A file under the job's images folder: a relative path that stays inside it. */
    private BufferedImage read(String path) {
        Path folder = folders.imageFolder()
                .orElseThrow(() -> new TorchsdException("column " + INIT_IMAGE + ": the path '" + path
                        + "' needs the job's images folder (--images DIR), or give the image's bytes"))
                .toAbsolutePath()
                .normalize();
        Path file = folder.resolve(path).normalize();
        if (Path.of(path).isAbsolute() || !file.startsWith(folder)) {
            throw new TorchsdException(
                    "column " + INIT_IMAGE + ": '" + path + "' is not a relative path inside the images folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new TorchsdException(
                    "column " + INIT_IMAGE + ": '" + path + "': no such file in the images folder " + folder);
        }
        try {
            return decode(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new TorchsdException("column " + INIT_IMAGE + ": cannot read '" + path + "': " + e.getMessage(), e);
        }
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
