package dev.torchsd.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code torchsd lora ...}: tools for LoRA and LyCORIS files. */
@Command(
        name = "lora",
        mixinStandardHelpOptions = true,
        description = "LoRA and LyCORIS files (.safetensors, .pt).",
        subcommands = {LoraInspectCommand.class, LoraBenchCommand.class})
public final class LoraCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: inspect");
    }
}
