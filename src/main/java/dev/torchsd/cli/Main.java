package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.runtime.Version;
import dev.torchsd.pipeline.GenerationCancelledException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code torchsd} command line. Each subcommand is one class in this package.
 * Exit codes: 0 success, 1 a bug (stack trace printed), 2 a user error (one line, no stack trace).
 */
@Command(name = "torchsd",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Stable Diffusion text-to-image on the JVM (libtorch through JavaCPP).",
        subcommands = {
                GenerateCommand.class,
                EvalCommand.class,
                CompareCommand.class,
                BenchTraceCommand.class,
                BenchCommand.class,
                SoakCommand.class,
                TokenizeCommand.class,
                ScheduleCommand.class,
                EmbeddingCommand.class,
                ServeCommand.class,
                ServeLoadCommand.class,
        })
public final class Main {

    /** Exit code for user errors: bad input, missing files, invalid options. */
    public static final int USER_ERROR = 2;

    /** Exit code after Ctrl-C stopped a generation (128 + SIGINT, as shells report it). */
    public static final int CANCELLED = 130;

    public static CommandLine commandLine() {
        return configure(new CommandLine(new Main()));
    }

    /** Applies torchsd's error handling to any command line (used by tests of single commands too). */
    public static CommandLine configure(CommandLine commandLine) {
        commandLine.setExecutionExceptionHandler((exception, command, parseResult) -> {
            if (exception instanceof GenerationCancelledException) {
                command.getErr().println("cancelled: " + exception.getMessage());
                return CANCELLED;
            }
            if (exception instanceof TorchsdException) {
                command.getErr().println("error: " + exception.getMessage());
                return USER_ERROR;
            }
            throw exception;
        });
        commandLine.setParameterExceptionHandler((exception, args) -> {
            CommandLine command = exception.getCommandLine();
            command.getErr().println("error: " + exception.getMessage());
            command.getErr().println("(see: torchsd " + command.getCommandName() + " --help)");
            return USER_ERROR;
        });
        return commandLine;
    }

    /** {@code torchsd --version}: the build's version ({@link Version}). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Version.withName()};
        }
    }

    public static void main(String[] args) {
        Interrupts.install(System.err);
        System.exit(commandLine().execute(args));
    }
}
