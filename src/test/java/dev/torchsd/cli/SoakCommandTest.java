package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SoakCommandTest {

    @Test
    void shortSoakReportsFlatMemoryAndNoPointerGrowth() {
        var r = run(
                "soak",
                "--generations",
                "20",
                "--warmup",
                "26",
                "--steps",
                "2",
                "--limit",
                "10",
                "--embedding",
                "src/test/resources/embeddings/tiny_negative_fp16.safetensors",
                "--embedding",
                "src/test/resources/embeddings/tiny_negative_fp32.safetensors:<fp32>");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertThat(r.out())
                .contains("after 26 warm-up generations")
                .contains("after 46 generations")
                .contains("JavaCPP pointers +0: flat");
    }
}
