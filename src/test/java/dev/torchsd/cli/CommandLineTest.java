package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.runtime.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a whole: unknown commands and options, the help hint, --version, the shared options. */
class CommandLineTest {
    @TempDir
    Path tmp;

    @Test
    void anUnknownCommandWithHelpIsAnErrorNotTheUsage() {
        var r = run("img2img", "--help");
        assertEquals(Main.USER_ERROR, r.exitCode(), r.out() + r.err());
        assertThat(r.err()).startsWith("error: unknown command 'img2img'");
        assertThat(r.out()).doesNotContain("Usage:");
        var nested = run("embedding", "nosuch", "--help");
        assertEquals(Main.USER_ERROR, nested.exitCode(), nested.out() + nested.err());
        assertThat(nested.err())
                .startsWith("error: unknown command 'nosuch'")
                .contains("(see: torchsd embedding --help)");
    }

    @Test
    void anUnknownCommandGetsPicocliSuggestion() {
        var r = run("genrate", "-p", "cat");
        assertEquals(Main.USER_ERROR, r.exitCode());
        assertThat(r.err()).startsWith("error: unknown command 'genrate'; did you mean generate");
    }

    @Test
    void theHintNamesTheCommandOnce() {
        var top = run("img2img");
        assertThat(top.err()).contains("(see: torchsd --help)").doesNotContain("torchsd torchsd");
        var sub = run("generate", "-p", "cat", "--stesp", "3");
        assertThat(sub.err()).contains("(see: torchsd generate --help)");
        assertThat(sub.err()).startsWith("error: unknown option '--stesp'; did you mean --steps");
    }

    @Test
    void anUnknownOptionIsReportedBeforeAMissingRequiredOne() {
        var r = run("generate", "--nosuchflag");
        assertEquals(Main.USER_ERROR, r.exitCode());
        assertThat(r.err()).startsWith("error: unknown option '--nosuchflag'").doesNotContain("--prompt");
        var missing = run("generate");
        assertEquals(Main.USER_ERROR, missing.exitCode());
        assertThat(missing.err()).startsWith("error: Missing required option: '--prompt");
    }

    @Test
    void everyCommandPrintsTheVersion() {
        List<List<String>> commands = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), commands);
        assertThat(commands).hasSizeGreaterThan(9);
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.add("--version");
            var r = run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), args + ": " + r.err());
            assertEquals(Version.withName(), r.out().strip(), String.join(" ", args));
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
        out.add(path);
        command.getSubcommands().forEach((name, sub) -> {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            collect(sub, subPath, out);
        });
    }

    @Test
    void aBadSetValueIsNamedAsWrittenBeforeAnyWork() throws Exception {
        Path png = tmp.resolve("x.png");
        var r = run(
                "generate", "-p", "cat", "--steps", "2", "-q", "-o", png.toString(), "--set", "use_karras_sigmas=yes");
        assertEquals(Main.USER_ERROR, r.exitCode(), r.err());
        assertThat(r.err())
                .isEqualTo("error: --set use_karras_sigmas=yes: 'use_karras_sigmas': expected true or false,"
                        + " found \"yes\"" + System.lineSeparator());
        var unknown = run("generate", "-p", "cat", "--steps", "2", "-q", "-o", png.toString(), "--set", "karras=true");
        assertEquals(Main.USER_ERROR, unknown.exitCode(), unknown.err());
        assertThat(unknown.err()).startsWith("error: --set karras=true: unknown scheduler config key 'karras'");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.count(), "no output may be left behind");
        }
    }

    @Test
    void theSharedOptionsBehaveAlikeInEveryCommand() {
        List<String[]> commands = List.of(
                new String[] {"generate", "-p", "cat"},
                new String[] {"compare", "-p", "cat", "-n", "dog"},
                new String[] {"bench-trace", "-p", "cat"},
                new String[] {"bench"},
                new String[] {"eval"},
                new String[] {"soak"});
        for (String[] command : commands) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--device", "tpu"));
            var r = run(args.toArray(String[]::new));
            assertEquals(Main.USER_ERROR, r.exitCode(), args + ": " + r.err());
            assertThat(r.err()).as(command[0]).startsWith("error: ").contains("tpu");
        }
        for (String command : List.of("bench", "eval")) {
            var r = run(command, "--set", "use_karras_sigmas=yes");
            assertEquals(Main.USER_ERROR, r.exitCode(), command + ": " + r.err());
            assertThat(r.err()).as(command).startsWith("error: --set use_karras_sigmas=yes: ");
        }
    }

    @Test
    void stepsDefaultToTheLibrarysUnlessTheCommandSaysWhy() {
        assertThat(run("generate", "--help").out())
                .contains("inference steps (default: " + GenerationRequest.DEFAULT_STEPS + ")");
        assertThat(run("bench", "--help").out())
                .contains("inference steps (default: " + GenerationRequest.DEFAULT_STEPS + ")");
        assertThat(run("schedule", "--help").out())
                .contains("inference steps (default: " + GenerationRequest.DEFAULT_STEPS + ")");
        assertThat(run("eval", "--help").out()).contains("inference steps (default: 30)");
        assertThat(run("soak", "--help").out()).contains("inference steps (default: 4)");
        assertThat(run("generate", "--help").out()).contains("(default: " + GenerationRequest.DEFAULT_GUIDANCE + ")");
    }
}
