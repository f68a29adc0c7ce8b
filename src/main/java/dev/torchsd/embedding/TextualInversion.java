package dev.torchsd.embedding;

import java.nio.file.Path;
import java.util.List;

/**
 * A textual-inversion embedding read from a file: vectors that stand in for a token in the prompt.
 * Made by {@link TextualInversionReader}; a value, with no link to any model.
 *
 * @param file         where it came from
 * @param format       container and key layout
 * @param defaultToken the token the embedding is used under unless the user names another: the file
 *                     name without extension (as AUTOMATIC1111 does), except for diffusers'
 *                     {@code {token: tensor}} files, whose key is the token their trainer chose
 * @param storedName   a name recorded inside the file (A1111's {@code name}, the diffusers key), or null
 * @param dtype        the element type in the file (vectors are converted to float)
 * @param vectorSets   one set for SD 1.x/2.x layouts, {@code clip_l} and {@code clip_g} for SDXL
 * @param warnings     problems that do not stop loading, e.g. NaN values
 */
public record TextualInversion(
        Path file,
        EmbeddingFormat format,
        String defaultToken,
        String storedName,
        DType dtype,
        List<VectorSet> vectorSets,
        List<String> warnings) {

    public TextualInversion {
        vectorSets = List.copyOf(vectorSets);
        warnings = List.copyOf(warnings);
    }

    public boolean isSdxl() {
        return format.layout() == EmbeddingFormat.Layout.SDXL;
    }

    /** Number of vectors, i.e. of tokens the embedding takes in a prompt. */
    public int vectorCount() {
        return vectorSets.get(0).vectorCount();
    }

    /**
     * The tokens the embedding adds under {@code token}, as diffusers names them: {@code token},
     * {@code token_1}, …, {@code token_{n-1}} for n vectors.
     */
    public List<String> tokens(String token) {
        List<String> tokens = new java.util.ArrayList<>(vectorCount());
        tokens.add(token);
        for (int i = 1; i < vectorCount(); i++) {
            tokens.add(token + "_" + i);
        }
        return tokens;
    }

    /**
     * The vectors for a text encoder of {@code hiddenSize} (768 for SD 1.x, 1024 for SD 2.x).
     *
     * @throws EmbeddingException for an SDXL embedding, or when the width differs
     */
    public float[][] vectorsFor(int hiddenSize) {
        if (isSdxl()) {
            throw new EmbeddingException(file + ": an SDXL embedding (keys clip_l, "
                    + vectorSets.get(0).hiddenSize() + " wide, and clip_g, "
                    + vectorSets.get(1).hiddenSize()
                    + " wide); this model is SD 1.x/2.x (hidden size " + hiddenSize + ") and needs one set of "
                    + hiddenSize + "-wide vectors (expected one key such as emb_params or string_to_param, found"
                    + " clip_l and clip_g): load it with an SDXL model, or pick an embedding trained for SD 1.x/2.x");
        }
        VectorSet set = vectorSets.get(0);
        if (set.hiddenSize() != hiddenSize) {
            throw new EmbeddingException(file + ": vectors are " + set.hiddenSize()
                    + " wide, but the model's text encoder expects " + hiddenSize + " (" + modelFamily(set.hiddenSize())
                    + " embedding on " + modelFamily(hiddenSize) + " model?)");
        }
        return set.rows();
    }

    /**
     * The vectors for one text encoder of an SDXL model: {@code clip_l} (CLIP-L, 768 wide) or {@code clip_g}
     * (OpenCLIP bigG, 1280 wide).
     *
     * @throws EmbeddingException for an SD 1.x/2.x embedding, or when the width differs
     */
    public float[][] vectorsForSdxl(String key, int hiddenSize) {
        if (!isSdxl()) {
            VectorSet set = vectorSets.get(0);
            throw new EmbeddingException(file + ": " + modelFamily(set.hiddenSize()) + " embedding (key '" + set.key()
                    + "': one set of " + set.hiddenSize()
                    + "-wide vectors); this model is SDXL and needs clip_l + clip_g"
                    + " vectors (expected keys clip_l and clip_g, found '" + set.key()
                    + "'): pick an embedding trained for SDXL");
        }
        for (VectorSet set : vectorSets) {
            if (set.key().equals(key)) {
                if (set.hiddenSize() != hiddenSize) {
                    throw new EmbeddingException(file + ": " + key + " vectors are " + set.hiddenSize()
                            + " wide, but the model's text encoder for them expects " + hiddenSize);
                }
                return set.rows();
            }
        }
        throw new EmbeddingException(file + ": no " + key + " vectors");
    }

    private static String modelFamily(int hiddenSize) {
        return switch (hiddenSize) {
            case 768 -> "an SD 1.x";
            case 1024 -> "an SD 2.x";
            default -> "a " + hiddenSize + "-wide";
        };
    }
}
