package dev.torchsd.spark;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.LoadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The batch job: requests from CSV (with a header), JSON lines or Parquet, images to a folder of PNGs
 * or to a Parquet table (docs/spark.md). Run by {@code spark-submit}, or by {@code java} alone, which
 * runs Spark in this JVM on every core ({@code local[*]}) unless {@code -Dspark.master} says otherwise.
 */
public final class BatchJob {
    static final String USAGE = "BatchJob --input FILE|DIR [--format csv|json|parquet] --output DIR"
            + " [--output-format png|parquet] [--model DIR|sparkfiles:NAME] [--embeddings DIR|sparkfiles:NAME]"
            + " [--loras DIR|sparkfiles:NAME] [--images DIR|sparkfiles:NAME] [--ship]"
            + " [--partitions N] [--device cpu|cuda[:N]] [--jit none|freeze|optimize]";

    private BatchJob() {}

    public static void main(String[] args) {
        Arguments a = new Arguments(
                args,
                Arguments.names(
                        "--input",
                        "--format",
                        "--output",
                        "--output-format",
                        "--model",
                        "--embeddings",
                        "--loras",
                        "--images",
                        "--partitions",
                        "--device",
                        "--jit"),
                Arguments.names("--ship"),
                USAGE);
        SparkSession spark = System.getProperty("spark.master") == null
                ? OneMachine.builder("torchsd batch", "local[*]").getOrCreate()
                : SparkSession.builder().appName("torchsd batch").getOrCreate();
        try {
            Progress progress = run(spark, a);
            System.err.println("torchsd: " + progress);
        } finally {
            spark.stop();
        }
    }

    /** Runs the job the arguments describe on {@code spark}; returns its counters. */
    static Progress run(SparkSession spark, Arguments a) {
        String input = a.required("--input", USAGE);
        Path output = Path.of(a.required("--output", USAGE));
        String outputFormat = a.get("--output-format", "png");
        if (!outputFormat.equals("png") && !outputFormat.equals("parquet")) {
            throw new TorchsdException("--output-format " + outputFormat + ": expected png or parquet");
        }
        ModelSpec model = ModelSpec.builtin()
                .withLoadOptions(LoadOptions.DEFAULT
                        .withDevice(Device.parse(a.get("--device", "cpu")))
                        .withJit(JitMode.parse(a.get("--jit", "none"), "--jit")))
                .withModel(located(spark, a.get("--model", null), a.flag("--ship")))
                .withEmbeddings(located(spark, a.get("--embeddings", null), a.flag("--ship")));
        Dataset<Row> requests = read(spark, input, a.get("--format", formatOf(input)));
        requests = requests.repartition(
                a.integer("--partitions", spark.sparkContext().defaultParallelism()));
        Progress progress = Progress.register(spark.sparkContext());
        InputFolders folders = InputFolders.NONE
                .withLoras(located(spark, a.get("--loras", null), a.flag("--ship")))
                .withImages(located(spark, a.get("--images", null), a.flag("--ship")));
        Dataset<Row> images = SparkImages.generate(requests, model, folders, progress);
        if (outputFormat.equals("parquet")) {
            images.write().parquet(output.toString());
        } else {
            writePngs(images, output);
        }
        return progress;
    }

    /** A folder to ship from the driver ({@code --ship}), or as given. */
    private static String located(SparkSession spark, String folder, boolean ship) {
        return folder == null || !ship ? folder : ModelSpec.ship(spark.sparkContext(), Path.of(folder));
    }

    static Dataset<Row> read(SparkSession spark, String input, String format) {
        return switch (format) {
            case "csv" ->
                spark.read()
                        .option("header", true)
                        .option("multiLine", true)
                        .option("escape", "\"")
                        .csv(input);
            case "json" -> spark.read().json(input);
            case "parquet" -> spark.read().parquet(input);
            default -> throw new TorchsdException("--format " + format + ": expected csv, json or parquet");
        };
    }

    private static String formatOf(String input) {
        String name = input.toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return "json";
        }
        if (name.endsWith(".parquet")) {
            return "parquet";
        }
        throw new TorchsdException(
                "cannot tell the format of " + input + " from its name; give --format csv, json or parquet");
    }

    /**
     * Brings the rows to the driver one partition at a time and writes {@code NAME.png} per image: NAME is the
     * row's {@code name} column where it has one, else its position (00000, 00001, ...). Errors go to stderr.
     */
    private static void writePngs(Dataset<Row> images, Path out) {
        Path folder = out.toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder, e);
        }
        boolean named = Arrays.asList(images.columns()).contains("name");
        Iterator<Row> rows = images.toLocalIterator();
        for (int i = 0; rows.hasNext(); i++) {
            Row row = rows.next();
            String name = named && !row.isNullAt(row.fieldIndex("name"))
                    ? row.getAs("name").toString()
                    : String.format("%05d", i);
            String error = row.getAs(ImageColumns.ERROR);
            if (error != null) {
                System.err.println("torchsd: " + name + ": " + error);
                continue;
            }
            Path file = folder.resolve(name + ".png");
            if (!folder.equals(file.normalize().getParent())) {
                System.err.println("torchsd: column name: '" + name + "' is not a plain file name; row skipped");
                continue;
            }
            try {
                Files.write(file, (byte[]) row.getAs(ImageColumns.PNG));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }
}
