package dev.torchsd.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * SDXL's {@code tokenizer_2}: Stability's and diffusers' second tokenizer has the first one's vocabulary and
 * merges and differs only in its padding id (the manifest's {@code text_encoder_2.pad_token_id}), so the model
 * tokenizes once and pads each encoder's ids with its own id. A {@code tokenizer_2} with another vocabulary is
 * refused rather than tokenized wrongly.
 */
final class SecondTokenizer {
    private static final String[] FILES = {"vocab.json", "merges.txt"};

    private SecondTokenizer() {}

    static void check(Path folder, Manifest manifest) {
        for (Manifest.TextEncoderSpec spec : manifest.textEncoders()) {
            if (spec.vocabSize() != manifest.textEncoder().vocabSize()) {
                throw new ModelException(folder.resolve(Manifest.FILE_NAME) + ": the text encoders' vocab_size differ ("
                        + manifest.textEncoder().vocabSize() + " and " + spec.vocabSize() + " in " + spec.file()
                        + "); both tokenize with one vocabulary");
            }
        }
        if (manifest.secondTokenizer() == null || manifest.secondTokenizer().equals(manifest.tokenizer())) {
            return;
        }
        Path first = folder.resolve(manifest.tokenizer());
        Path second = folder.resolve(manifest.secondTokenizer());
        for (String name : FILES) {
            try {
                if (!Arrays.equals(Files.readAllBytes(first.resolve(name)), Files.readAllBytes(second.resolve(name)))) {
                    throw new ModelException(second.resolve(name) + " differs from " + first.resolve(name)
                            + ": torchsd supports an SDXL tokenizer_2 with the first tokenizer's vocabulary and merges"
                            + " (as Stability's and diffusers' SDXL models have)");
                }
            } catch (IOException e) {
                throw new ModelException("cannot read the tokenizer file " + name + ": " + e.getMessage(), e);
            }
        }
    }
}
