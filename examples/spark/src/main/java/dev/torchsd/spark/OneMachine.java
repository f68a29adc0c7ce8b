package dev.torchsd.spark;

import org.apache.spark.sql.SparkSession;

/** Spark inside this JVM ({@code local[N]}): the executor's cores are threads; Spark listens on loopback only. */
final class OneMachine {
    private OneMachine() {}

    /** {@code master} is {@code local[2]}, {@code local[*]}, ... */
    static SparkSession.Builder builder(String appName, String master) {
        return SparkSession.builder()
                .appName(appName)
                .master(master)
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1");
    }
}
