package dev.torchsd.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GemmRateTest {
    @Test
    void bothMeasurementsGiveARateAndTheChildJvmEndsWithItsOutput() {
        double here = GemmRate.measure(256, 2);
        double allCores = GemmRate.measureAllCores(256, 2);
        // 2 * 256^3 operations in more than a nanosecond and less than an hour: a parsed, finite rate.
        assertTrue(here > 1e3 && here < 1e15, "in-process rate " + here);
        assertTrue(allCores > 1e3 && allCores < 1e15, "child JVM rate " + allCores);
    }
}
