package dev.torchsd.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: two executor cores in this JVM, so the executor's {@link ModelCache} is this JVM's. */
final class LocalSpark {
    private LocalSpark() {}

    static SparkSession session() {
        return OneMachine.builder("torchsd-spark tests", "local[2]")
                .config("spark.ui.enabled", false)
                .config("spark.sql.shuffle.partitions", 2)
                .getOrCreate();
    }
}
