package dev.torchsd.lora;

import dev.torchsd.TestModels;
import dev.torchsd.TestPython;
import java.nio.file.Path;

/** Random LoRA files for a model (the built-in one unless given) and their offline merges, by native/tests/lora_files.py. */
final class LoraFiles {
    static final String SCRIPT = "native/tests/lora_files.py";

    private LoraFiles() {}

    /** A random file of {@code format} (lora, locon, loha, lokr, peft) with the built-in model's module names. */
    static Path make(Path dir, String format, String name, int seed) throws Exception {
        return make(TestModels.builtinFolder(), dir, format, name, seed);
    }

    /** A random file of {@code format} with the module names of the model in {@code model} (SD 1.x/2.x, SDXL). */
    static Path make(Path model, Path dir, String format, String name, int seed) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        TestPython.run(
                TestPython.python(),
                SCRIPT,
                "make",
                format,
                model.toString(),
                file.toString(),
                "--rank",
                "4",
                "--seed",
                Integer.toString(seed));
        return file;
    }

    /** A copy of the built-in model with {@code lora} merged in by the Python merge. */
    static Path merged(Path dir, Path lora, double te, double unet) throws Exception {
        return merged(TestModels.builtinFolder(), dir, lora, te, unet);
    }

    /** A copy of the model in {@code model} with {@code lora} merged in by the Python merge ({@code te}: every text encoder). */
    static Path merged(Path model, Path dir, Path lora, double te, double unet) throws Exception {
        Path out = dir.resolve("merged-" + lora.getFileName() + "-" + te + "-" + unet);
        TestPython.run(
                TestPython.python(),
                SCRIPT,
                "merge",
                model.toString(),
                lora.toString(),
                out.toString(),
                "--te",
                Double.toString(te),
                "--unet",
                Double.toString(unet));
        return out;
    }
}
