package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of {@code --embedding FILE[:TOKEN]}: a textual-inversion file and, optionally, the token
 * to use it under (default: the file's own, see docs/embeddings.md). A value naming an existing file
 * is taken whole, so a file name with a colon still works without a token.
 *
 * @param file  the embedding file
 * @param token the token, or null for the default
 */
record EmbeddingArgument(Path file, String token) {

    static EmbeddingArgument parse(String value) {
        if (value.isEmpty()) {
            throw new TorchsdException("--embedding needs FILE or FILE:TOKEN");
        }
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || Files.exists(Path.of(value))) {
            return new EmbeddingArgument(Path.of(value), null);
        }
        String token = value.substring(colon + 1);
        if (token.isEmpty()) {
            throw new TorchsdException("--embedding " + value + ": the token after ':' is empty");
        }
        return new EmbeddingArgument(Path.of(value.substring(0, colon)), token);
    }

    /** picocli's converter for the option. */
    static final class Converter implements ITypeConverter<EmbeddingArgument> {
        @Override
        public EmbeddingArgument convert(String value) {
            try {
                return parse(value);
            } catch (TorchsdException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return token == null ? file.toString() : file + ":" + token;
    }
}
