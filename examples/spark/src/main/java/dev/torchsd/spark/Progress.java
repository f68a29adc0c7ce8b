package dev.torchsd.spark;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * A job's counters, named accumulators the Spark UI shows on the stage's page while it runs. A task
 * that Spark runs again (a lost executor, speculation) counts again.
 *
 * @param images    rows that got an image
 * @param errors    rows that got an error instead
 * @param loads     models loaded by this job's tasks (0 when the executors had it from an earlier job)
 * @param loadMillis milliseconds those loads took
 */
public record Progress(
        LongAccumulator images, LongAccumulator errors, LongAccumulator loads, LongAccumulator loadMillis)
        implements Serializable {

    /** New counters registered with {@code spark}, named "torchsd images", "torchsd errors", ... */
    public static Progress register(SparkContext spark) {
        return new Progress(
                spark.longAccumulator("torchsd images"),
                spark.longAccumulator("torchsd errors"),
                spark.longAccumulator("torchsd model loads"),
                spark.longAccumulator("torchsd model load ms"));
    }

    @Override
    public String toString() {
        return images.value() + " images, " + errors.value() + " errors, " + loads.value() + " model loads ("
                + loadMillis.value() + " ms)";
    }
}
