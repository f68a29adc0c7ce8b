package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesTheStudyAndPrintsItsTable() throws Exception {
        Path out = tmp.resolve("study");
        GenerateCommandTest.Run r = run(
                "study",
                "negative-timing",
                "-p",
                "a yellow triangle",
                "-n",
                "blue background",
                "--seed",
                "2",
                "--seeds",
                "1",
                "--starts",
                "0",
                "--steps",
                "3",
                "-q",
                "-o",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains(out.resolve("study.csv").toString())
                .contains("| none | 1.00 |")
                .contains("negated (background=blue)");
        assertThat(Files.readAllLines(out.resolve("study.csv"))).hasSize(3);
        assertThat(out.resolve("kept-structure.png")).isRegularFile();
    }

    @Test
    void tracesThreeWayAndPrintsWhereTheAutomaticStartLanded() throws Exception {
        Path out = tmp.resolve("three-way");
        GenerateCommandTest.Run r = run(
                "study",
                "negative-timing",
                "-p",
                "a circle",
                "-n",
                "red",
                "--seeds",
                "1",
                "--starts",
                "0,auto",
                "--steps",
                "3",
                "--trace-three-way",
                "-q",
                "-o",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("| seed | critical step | latest safe start | start | picked step |");
        assertThat(Files.readAllLines(out.resolve("three-way.csv")).get(0)).startsWith("start,call,step,seeds,");
        assertThat(Files.readAllLines(out.resolve("critical-steps.csv"))).hasSize(2);
        assertThat(out.resolve("three-way-alignment.png")).isRegularFile();
    }

    @Test
    void namesWhatIsMissingBeforeAnyWork() {
        GenerateCommandTest.Run noNegative = run("study", "negative-timing", "-p", "a circle", "-o", tmp.toString());
        assertThat(noNegative.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(noNegative.err()).contains("needs a --negative-prompt");
        GenerateCommandTest.Run otherModel = run(
                "study",
                "negative-timing",
                "-p",
                "a circle",
                "-n",
                "red",
                "--model",
                tmp.toString(),
                "-o",
                tmp.toString());
        assertThat(otherModel.err()).contains("give --checker CLASS");
        GenerateCommandTest.Run unknownAttribute = run(
                "study",
                "negative-timing",
                "-p",
                "a circle",
                "-n",
                "blurry",
                "--seeds",
                "1",
                "--starts",
                "0",
                "--steps",
                "2",
                "-o",
                tmp.toString());
        assertThat(unknownAttribute.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(unknownAttribute.err()).contains("'blurry' names no attribute");
        GenerateCommandTest.Run badChecker = run(
                "study",
                "negative-timing",
                "-p",
                "a circle",
                "-n",
                "red",
                "--checker",
                "java.lang.String",
                "-o",
                tmp.toString());
        assertThat(badChecker.err()).contains("does not implement dev.torchsd.study.StudyChecker");
    }
}
