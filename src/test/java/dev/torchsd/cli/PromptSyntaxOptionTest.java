package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.image.PngWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --prompt-syntax a1111 --emphasis ...}: the switch, its infotext and its errors. */
class PromptSyntaxOptionTest {
    @TempDir
    Path tmp;

    @Test
    void a1111SyntaxIsUsedAndRecorded() throws Exception {
        Path png = tmp.resolve("a.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "(masterpiece:1.2), [cat:dog:0.5]",
                "-n",
                "blurry BREAK ugly",
                "--prompt-syntax",
                "a1111",
                "--emphasis",
                "no-norm",
                "-s",
                "3",
                "--steps",
                "2",
                "-q",
                "-o",
                png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(PngWriter.readParameters(png))
                .startsWith("(masterpiece:1.2), [cat:dog:0.5]\nNegative prompt: blurry BREAK ugly\n")
                .contains("Prompt syntax: a1111, Emphasis: No norm");
    }

    @Test
    void plainIsTheDefaultAndNotRecorded() throws Exception {
        Path png = tmp.resolve("p.png");
        GenerateCommandTest.Run r =
                run("generate", "-p", "(cat", "-s", "3", "--steps", "2", "-q", "-o", png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(PngWriter.readParameters(png)).doesNotContain("Prompt syntax");
    }

    @Test
    void badPromptsAndSettingsAreOneLineErrors() {
        String[][] cases = {
            {"-p", "a (cat", "--prompt-syntax", "a1111"},
            {"-p", "a (cat:big)", "--prompt-syntax", "a1111"},
            {"-p", "a [cat:dog:2.5]", "--prompt-syntax", "a1111"},
            {"-p", "cat", "-n", "ugly]", "--prompt-syntax", "a1111"},
            {"-p", "cat", "--prompt-syntax", "comfy"},
            {"-p", "cat", "--emphasis", "no-norm"},
            {"-p", "cat", "--prompt-syntax", "a1111", "--emphasis", "loud"},
        };
        String[] expected = {
            "position 3 of the prompt",
            "not a number",
            "0..1",
            "position 5 of the negative prompt",
            "unknown prompt syntax 'comfy'",
            "--emphasis applies to --prompt-syntax a1111 only",
            "unknown emphasis mode 'loud'"
        };
        for (int i = 0; i < cases.length; i++) {
            Path png = tmp.resolve("x" + i + ".png");
            String[] full =
                    concat(new String[] {"generate", "--steps", "2", "-q", "-o", png.toString(), "-s", "1"}, cases[i]);
            GenerateCommandTest.Run r = run(full);
            assertEquals(2, r.exitCode(), String.join(" ", cases[i]) + ": " + r.err());
            assertThat(r.err()).startsWith("error: ").contains(expected[i]).doesNotContain("\tat ");
            assertThat(r.err().strip().lines().count()).isEqualTo(1);
            assertThat(Files.exists(png)).isFalse();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
