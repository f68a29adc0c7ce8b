package dev.torchsd.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Batch generation on Spark: a DataFrame of requests in, the same rows out with {@code png},
 * {@code infotext}, {@code final_seed}, {@code generate_ms}, {@code encode_ms} and {@code error}
 * (docs/spark.md lists the request columns). One image per row; each executor loads the model once
 * ({@link ModelCache}) and its tasks share it. Lazy, as every Spark transformation: each action on
 * the result generates again, so write it once, or persist it.
 */
public final class SparkImages {
    private SparkImages() {}

    /** The requests with their images, counted in fresh {@link Progress} accumulators. */
    public static Dataset<Row> generate(Dataset<Row> requests, ModelSpec model) {
        return generate(
                requests, model, Progress.register(requests.sparkSession().sparkContext()));
    }

    /** The requests with their images, counted in {@code progress}; no LoRA or images folder. */
    public static Dataset<Row> generate(Dataset<Row> requests, ModelSpec model, Progress progress) {
        return generate(requests, model, InputFolders.NONE, progress);
    }

    /** The requests with their images, their LoRA names and init-image paths looked up in {@code folders}. */
    public static Dataset<Row> generate(
            Dataset<Row> requests, ModelSpec model, InputFolders folders, Progress progress) {
        RequestColumns.check(requests.schema());
        return requests.mapPartitions(
                new GeneratePartition(model, folders, progress), Encoders.row(ImageColumns.append(requests.schema())));
    }
}
