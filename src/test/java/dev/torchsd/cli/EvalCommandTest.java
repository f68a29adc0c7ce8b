package dev.torchsd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EvalCommandTest {

    @Test
    void rejectsAnEmptyCaptionSetWithOneLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("eval", "--count", "0");
        assertThat(code).isEqualTo(Main.USER_ERROR);
        assertThat(err.toString()).startsWith("error: ").contains("--count").contains("got 0");
    }

    @Test
    void measuresAModelAndPrintsTheThreeLines() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        int code = cli.execute("eval", "--count", "1", "--negative-count", "1", "--steps", "4");
        assertThat(code).isZero();
        assertThat(out.toString())
                .contains("training pairs: color")
                .contains("held-out pairs: color")
                .contains("negative prompt: \"a circle\"")
                .contains("(1 images)");
    }
}
