package dev.torchsd.model;

import dev.torchsd.embedding.EmbeddingTokens;
import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.embedding.TextualInversion;
import dev.torchsd.embedding.TextualInversionReader;
import dev.torchsd.embedding.TokenExpansion;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The textual-inversion embeddings loaded into one model, as diffusers' {@code load_textual_inversion}
 * does it: an n-vector embedding under token {@code T} adds the tokens {@code T, T_1, …, T_{n-1}}
 * to the tokenizer and n rows to the text encoder's token-embedding table, and every {@code T} in a
 * prompt stands for all n tokens.
 *
 * <p>A failed load changes nothing: the file is read, the vectors' width and every token name are
 * checked before the tokenizer (which adds all tokens or none) and then the table are touched.
 * Adding the tokens, rows and expansion and encoding a prompt exclude each other, so a prompt
 * encoded while another thread loads sees the embedding entirely or not at all, and its ids always
 * have rows in the table.
 */
final class TextualInversions {
    private final ClipTokenizer tokenizer;
    private final List<TextEncoder> textEncoders;
    private final boolean sdxl;
    private volatile EmbeddingTokens tokens = EmbeddingTokens.NONE;

    /** {@code sdxl}: the encoders take an SDXL embedding's {@code clip_l} and {@code clip_g} (bigG, pooled) vectors. */
    TextualInversions(ClipTokenizer tokenizer, List<TextEncoder> textEncoders, boolean sdxl) {
        this.tokenizer = tokenizer;
        this.textEncoders = List.copyOf(textEncoders);
        this.sdxl = sdxl;
    }

    LoadedEmbedding load(Path file, String token) {
        TextualInversion embedding = TextualInversionReader.read(file);
        String name = token != null ? token : embedding.defaultToken();
        List<float[][]> vectors = new ArrayList<>();
        for (TextEncoder encoder : textEncoders) {
            vectors.add(vectorsFor(embedding, encoder, sdxl));
        }
        return add(embedding, name, vectors);
    }

    /**
     * The vectors of {@code embedding} that go into {@code encoder}'s table: on SDXL ({@code sdxl}) the
     * {@code clip_g} set for bigG (the encoder with a pooled output), {@code clip_l} for CLIP-L; elsewhere the
     * one set. Throws an EmbeddingException naming the file when the embedding is for another family or width.
     */
    static float[][] vectorsFor(TextualInversion embedding, TextEncoder encoder, boolean sdxl) {
        return sdxl
                ? embedding.vectorsForSdxl(encoder.hasPooled() ? "clip_g" : "clip_l", encoder.hiddenSize())
                : embedding.vectorsFor(encoder.hiddenSize());
    }

    /** Under the lock that {@link #encodePrompt} takes: a prompt sees the embedding entirely or not at all. */
    private synchronized LoadedEmbedding add(TextualInversion embedding, String name, List<float[][]> vectors) {
        EmbeddingTokens current = tokens;
        List<String> names = current.check(tokenizer, embedding, name);
        for (TextEncoder textEncoder : textEncoders) {
            if (tokenizer.vocabularySize() != textEncoder.tokenCount()) {
                throw new ModelException("the tokenizer has " + tokenizer.vocabularySize()
                        + " tokens but the token-embedding table " + textEncoder.tokenCount() + " rows; tokens were"
                        + " added to the tokenizer without rows (use Model.loadTextualInversion rather than the"
                        + " tokenizer's addTokens)");
            }
        }
        // Rows first, tokens second: whoever tokenizes without this lock never gets an id without a row.
        long firstRow = tokenizer.vocabularySize();
        int[] ids;
        try {
            for (int k = 0; k < textEncoders.size(); k++) {
                appendRows(textEncoders.get(k), vectors.get(k));
            }
            ids = tokenizer.addTokens(names);
        } catch (RuntimeException e) {
            textEncoders.forEach(encoder -> encoder.truncateRows(firstRow));
            throw e;
        }
        if (firstRow != ids[0]) {
            throw new IllegalStateException("token ids start at " + ids[0] + " but the table rows at " + firstRow);
        }
        LoadedEmbedding loaded = new LoadedEmbedding(embedding, name, names, ids);
        tokens = current.with(loaded);
        return loaded;
    }

    private static void appendRows(TextEncoder textEncoder, float[][] vectors) {
        int hidden = textEncoder.hiddenSize();
        float[] flat = new float[vectors.length * hidden];
        for (int i = 0; i < vectors.length; i++) {
            System.arraycopy(vectors[i], 0, flat, i * hidden, hidden);
        }
        try (Tensor rows = Tensors.fromFloats(flat, vectors.length, hidden)) {
            textEncoder.appendRows(rows);
        }
    }

    List<LoadedEmbedding> loaded() {
        return tokens.loaded();
    }

    /** Runs {@code work} while no embedding can be loaded, so it sees the tokenizer and the table as one state. */
    synchronized <T> T withEmbeddingsFixed(java.util.function.Supplier<T> work) {
        return work.get();
    }

    /** How prompts' trigger ids expand now; read under {@link #withEmbeddingsFixed} to match the tokenizer. */
    TokenExpansion expansion() {
        return tokens.expansion();
    }

    synchronized Encoding encodePrompt(String text) {
        return tokens.encodePadded(tokenizer, text);
    }
}
