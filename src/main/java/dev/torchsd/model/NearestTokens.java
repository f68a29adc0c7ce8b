package dev.torchsd.model;

import dev.torchsd.embedding.TextualInversion;
import dev.torchsd.runtime.Device;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The vocabulary tokens whose rows in a model's token-embedding table point the same way as a
 * given vector (cosine similarity): a first answer to "what does this embedding vector stand for?".
 *
 * <p>Loads only the tokenizer and the text encoder of a model folder (not the U-Net or VAE), on the
 * CPU. The table's dot products with the vectors and its row norms are computed by libtorch; the
 * ranking in Java.
 */
public final class NearestTokens implements AutoCloseable {

    /** One vocabulary token and its cosine similarity to the vector asked about. */
    public record Neighbour(int id, String token, double cosine) {}

    private final ClipTokenizer tokenizer;
    private final TextEncoder textEncoder;
    private final boolean sdxl;
    private final float[] rowNorms;
    /** Whether {@link #close()} frees the text encoder (opened from a folder) or leaves it to its model. */
    private final boolean ownsTextEncoder;

    private NearestTokens(ClipTokenizer tokenizer, TextEncoder textEncoder, boolean sdxl, boolean ownsTextEncoder) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.sdxl = sdxl;
        this.ownsTextEncoder = ownsTextEncoder;
        try (PointerScope scope = new PointerScope()) {
            Tensor table = textEncoder.tokenTable();
            this.rowNorms = Tensors.toFloats(table.mul(table)
                    .sum(new long[] {1}, false, new ScalarTypeOptional())
                    .sqrt());
        }
    }

    /** Opens the tokenizer and the first text encoder of a torchsd model folder. */
    public static NearestTokens open(Path modelFolder) {
        return open(modelFolder, 0);
    }

    /**
     * Opens the tokenizer and text encoder {@code encoder} of a torchsd model folder (SDXL: 0 = CLIP-L, 1 = bigG;
     * the refiner has bigG only, as 0).
     */
    public static NearestTokens open(Path modelFolder, int encoder) {
        if (!Files.isDirectory(modelFolder)) {
            throw new ModelException("model folder not found: " + modelFolder);
        }
        Manifest manifest = Manifest.read(modelFolder);
        List<Manifest.TextEncoderSpec> specs = manifest.textEncoders();
        if (encoder < 0 || encoder >= specs.size()) {
            throw new ModelException(modelFolder + ": text encoder " + encoder + " does not exist (the model has "
                    + specs.size() + ", numbered from 0)");
        }
        Manifest.TextEncoderSpec spec = specs.get(encoder);
        ClipTokenizer tokenizer =
                ClipTokenizer.fromFolder(modelFolder.resolve(manifest.tokenizer()), spec.padTokenId());
        TextEncoder text = new TextEncoder(
                TorchScriptModule.load(modelFolder.resolve(spec.file()), Device.CPU, manifest.weightsDtype()), spec);
        return new NearestTokens(tokenizer, text, manifest.isSdxl(), true);
    }

    /**
     * The table of a loaded model, its textual-inversion rows included; closing this leaves the model as
     * it is. Use it within one of the model's {@link Model#use() uses}.
     */
    public static NearestTokens of(Model model) {
        return of(model, 0);
    }

    /** As {@link #of(Model)} for text encoder {@code encoder} of the model ({@link Model#textEncoder(int)}). */
    public static NearestTokens of(Model model, int encoder) {
        return new NearestTokens(
                model.tokenizer(), model.textEncoder(encoder), model.manifest().isSdxl(), false);
    }

    public int hiddenSize() {
        return textEncoder.hiddenSize();
    }

    /**
     * The vectors of a textual-inversion file that belong in this table (an SDXL embedding's {@code clip_l} or
     * {@code clip_g} set, as the model loads them); an EmbeddingException when the file does not fit the model.
     */
    public float[][] vectorsOf(TextualInversion embedding) {
        return TextualInversions.vectorsFor(embedding, textEncoder, sdxl);
    }

    /** Rows in the table searched. */
    public int vocabularySize() {
        return rowNorms.length;
    }

    /**
     * The {@code k} tokens most similar to each of {@code vectors} (each {@link #hiddenSize()} wide),
     * most similar first. Rows of norm zero are never neighbours.
     */
    public List<List<Neighbour>> nearest(float[][] vectors, int k) {
        int hidden = hiddenSize();
        float[] flat = new float[vectors.length * hidden];
        for (int i = 0; i < vectors.length; i++) {
            if (vectors[i].length != hidden) {
                throw new ModelException(
                        "vector " + i + " is " + vectors[i].length + " wide, the token table " + hidden);
            }
            System.arraycopy(vectors[i], 0, flat, i * hidden, hidden);
        }
        float[] dots; // vocabulary × vectors
        try (PointerScope scope = new PointerScope()) {
            Tensor queries = Tensors.fromFloats(flat, vectors.length, hidden);
            dots = Tensors.toFloats(textEncoder.tokenTable().matmul(queries.t()));
        }
        List<List<Neighbour>> result = new ArrayList<>();
        for (int q = 0; q < vectors.length; q++) {
            double queryNorm = norm(vectors[q]);
            PriorityQueue<Neighbour> best = new PriorityQueue<>(Comparator.comparingDouble(Neighbour::cosine));
            for (int id = 0; id < rowNorms.length; id++) {
                if (rowNorms[id] == 0 || queryNorm == 0) {
                    continue;
                }
                double cosine = dots[id * vectors.length + q] / (rowNorms[id] * queryNorm);
                if (best.size() < k) {
                    best.add(new Neighbour(id, null, cosine));
                } else if (cosine > best.peek().cosine()) {
                    best.poll();
                    best.add(new Neighbour(id, null, cosine));
                }
            }
            List<Neighbour> ranked = new ArrayList<>(best);
            ranked.sort(Comparator.comparingDouble(Neighbour::cosine).reversed());
            List<Neighbour> named = new ArrayList<>(ranked.size());
            for (Neighbour n : ranked) {
                named.add(new Neighbour(
                        n.id(), tokenizer.idsToTokens(new int[] {n.id()}).get(0), n.cosine()));
            }
            result.add(named);
        }
        return result;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    @Override
    public void close() {
        if (ownsTextEncoder) {
            textEncoder.close();
        }
    }
}
