package dev.torchsd.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Measures batch throughput on one machine: a first job of one request (its executor loads the model:
 * the load's cost), then {@code --requests} built-in-model requests (seeds 0..N-1, default settings) on
 * {@code --cores} executor cores, and prints images per minute. examples/spark/throughput.sh runs it;
 * not a test: figures depend on what else the machine runs.
 */
public final class Throughput {
    private static final String[] PROMPTS = {
        "a large yellow triangle on the left, blue background",
        "a small red circle at the top, white background",
        "a green square on the right, black background",
        "a large blue circle in the middle, yellow background",
    };

    private Throughput() {}

    public static void main(String[] args) {
        String usage = "Throughput [--cores N] [--requests N]";
        Arguments a = new Arguments(args, Arguments.names("--cores", "--requests"), Arguments.names(), usage);
        int cores = a.integer("--cores", 1);
        int n = a.integer("--requests", 64);
        SparkSession spark = OneMachine.builder("torchsd throughput", "local[" + cores + "]")
                .config("spark.ui.enabled", false)
                .getOrCreate();
        try {
            long start = System.nanoTime();
            Progress first = run(spark, requests(spark, 1, 1));
            double firstSeconds = (System.nanoTime() - start) / 1e9;

            start = System.nanoTime();
            Progress timed = run(spark, requests(spark, n, cores));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "cores=%d OMP_NUM_THREADS=%s: first job (1 image, model load %d ms) %.1f s;"
                            + " %d images in %.1f s = %.1f images/minute (%s)%n",
                    cores,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                    first.loadMillis().value(),
                    firstSeconds,
                    timed.images().value(),
                    seconds,
                    timed.images().value() * 60 / seconds,
                    timed);
        } finally {
            spark.stop();
        }
    }

    private static Progress run(SparkSession spark, Dataset<Row> requests) {
        Progress progress = Progress.register(spark.sparkContext());
        SparkImages.generate(requests, ModelSpec.builtin(), progress)
                .write()
                .format("noop")
                .mode("overwrite")
                .save();
        return progress;
    }

    private static Dataset<Row> requests(SparkSession spark, int n, int partitions) {
        StructType schema = new StructType()
                .add(RequestColumns.PROMPT, DataTypes.StringType)
                .add(RequestColumns.SEED, DataTypes.LongType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create(PROMPTS[i % PROMPTS.length], (long) i));
        }
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }
}
