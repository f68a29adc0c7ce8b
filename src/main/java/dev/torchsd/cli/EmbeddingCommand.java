package dev.torchsd.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code torchsd embedding ...}: tools for textual-inversion files. */
@Command(
        name = "embedding",
        mixinStandardHelpOptions = true,
        description = "Textual-inversion embeddings (.safetensors, .pt, .bin).",
        subcommands = {EmbeddingInspectCommand.class})
public final class EmbeddingCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: inspect");
    }
}
