package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationCancelledException;
import dev.torchsd.runtime.Version;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code torchsd} command line. Each subcommand is one class in this package.
 * Exit codes: 0 success, 1 a bug (stack trace printed), 2 a user error (one line, no stack trace).
 */
@Command(
        name = "torchsd",
        scope = CommandLine.ScopeType.INHERIT, // every subcommand has --help and --version
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
            LoraCommand.class,
            ServeCommand.class,
            ServeLoadCommand.class,
            StudyCommand.class,
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
        commandLine.setExecutionStrategy(parseResult -> {
            rejectUnmatched(parseResult);
            return new CommandLine.RunLast().execute(parseResult);
        });
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
            command.getErr().println("error: " + describe(exception));
            command.getErr().println("(see: " + command.getCommandSpec().qualifiedName() + " --help)");
            return USER_ERROR;
        });
        return commandLine;
    }

    /**
     * picocli lets {@code --help} win over arguments it could not match ({@code torchsd img2img --help}
     * would print the usage and succeed): here they are an error, as without {@code --help}.
     */
    private static void rejectUnmatched(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
    }

    /**
     * The error in the user's terms: an unknown command or option first (picocli would report a missing
     * required option before the misspelt one), with picocli's suggestions.
     */
    static String describe(ParameterException exception) {
        CommandLine command = exception.getCommandLine();
        if (!(exception instanceof UnmatchedArgumentException)
                && command.getUnmatchedArguments().isEmpty()) {
            return exception.getMessage();
        }
        UnmatchedArgumentException unmatched = exception instanceof UnmatchedArgumentException u
                ? u
                : new UnmatchedArgumentException(command, command.getUnmatchedArguments());
        String first = unmatched.getUnmatched().get(0);
        String message;
        if (first.startsWith("-")) {
            message = "unknown option '" + first + "'";
        } else if (!command.getSubcommands().isEmpty()) {
            message = "unknown command '" + first + "'";
        } else {
            message = "unexpected argument '" + first + "'";
        }
        List<String> suggestions = unmatched.getSuggestions();
        if (suggestions.isEmpty()) {
            return message;
        }
        int last = suggestions.size() - 1;
        return message + "; did you mean " + (last == 0 ? "" : String.join(", ", suggestions.subList(0, last)) + " or ")
                + suggestions.get(last) + "?";
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
