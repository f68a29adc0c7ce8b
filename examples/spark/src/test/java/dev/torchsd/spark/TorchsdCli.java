package dev.torchsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** This checkout's {@code bin/torchsd generate}, run as a user runs it, for the PNGs the job must equal. */
final class TorchsdCli {
    private TorchsdCli() {}

    /** The PNG {@code torchsd generate ARGS --quiet --out FILE} writes, FILE in {@code dir}. */
    static byte[] generate(Path dir, String... args) throws Exception {
        Path png = Files.createTempFile(dir, "cli", ".png");
        Path log = dir.resolve(png.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of("../../bin/torchsd").toAbsolutePath().normalize().toString(), "generate"));
        command.addAll(List.of(args));
        command.addAll(List.of("--quiet", "--out", png.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        return Files.readAllBytes(png);
    }
}
