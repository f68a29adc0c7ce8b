package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;

/**
 * The CLIP text encoder. The export takes token embeddings, not ids: this class owns the
 * token-embedding table (taken from the export's parameter at load), looks the ids up itself,
 * and can append rows to the table (textual inversion) without touching the export.
 */
public final class TextEncoder implements AutoCloseable {
    private static final String POOLED = "pooled";
    private final TorchScriptModule module;
    private final Manifest.TextEncoderSpec spec;
    private Tensor tokenTable;

    TextEncoder(TorchScriptModule module, Manifest.TextEncoderSpec spec) {
        this.module = module;
        this.spec = spec;
        if (spec.projectionDim() > 0 && !module.hasMethod(POOLED)) {
            throw new ModelException(module.file() + ": the manifest gives this text encoder a projection_dim ("
                    + spec.projectionDim() + ") but the export has no '" + POOLED + "' method; re-export the model");
        }
        this.tokenTable = findParameter(module, spec.tokenEmbedding());
        long[] shape = Tensors.shape(tokenTable);
        if (shape.length != 2 || shape[0] != spec.vocabSize() || shape[1] != spec.hiddenSize()) {
            throw new ModelException(module.file() + ": token embedding '" + spec.tokenEmbedding() + "' has shape "
                    + java.util.Arrays.toString(shape) + ", the manifest says [" + spec.vocabSize() + ", "
                    + spec.hiddenSize() + "]");
        }
    }

    private static Tensor findParameter(TorchScriptModule module, String name) {
        try (PointerScope scope = new PointerScope()) {
            named_parameter_list list = module.jit().named_parameters(true);
            for (named_parameter_iterator it = list.begin(); it.notEquals(list.end()); it = it.increment()) {
                NamedTensor named = it.access();
                if (name.equals(named.name().getString())) {
                    return Tensors.keep(named.value().detach());
                }
            }
        }
        throw new ModelException(module.file() + ": no parameter named '" + name + "' (the manifest's"
                + " text_encoder.token_embedding)");
    }

    public int hiddenSize() {
        return spec.hiddenSize();
    }

    public int numLayers() {
        return spec.numLayers();
    }

    /** The id this encoder pads its 77 ids with after the end of text (SDXL's bigG: 0, CLIP-L: end-of-text). */
    public int padId() {
        return spec.padTokenId();
    }

    /** Whether it gives a pooled embedding ({@link #pooled}): SDXL's bigG. */
    public boolean hasPooled() {
        return spec.projectionDim() > 0;
    }

    /** Rows in the token-embedding table: the base vocabulary plus appended textual-inversion rows. */
    public synchronized long tokenCount() {
        return tokenTable.size(0);
    }

    /** A copy of the token-embedding table (vocabulary × hidden), owned by the caller (or its PointerScope). */
    public synchronized Tensor tokenTable() {
        return Tensors.scoped(tokenTable::clone);
    }

    /** A copy of one row of the token-embedding table: the vector token {@code id} is looked up as. */
    public synchronized float[] tokenVector(int id) {
        if (id < 0 || id >= tokenTable.size(0)) {
            throw new IllegalArgumentException("token id " + id + " outside the table of " + tokenTable.size(0));
        }
        try (PointerScope scope = new PointerScope()) {
            return Tensors.toFloats(tokenTable.select(0, id));
        }
    }

    /** Appends rows (n × hidden) to the token-embedding table; returns the id of the first new row. */
    synchronized long appendRows(Tensor rows) {
        long[] shape = Tensors.shape(rows);
        if (shape.length != 2 || shape[1] != spec.hiddenSize()) {
            throw new ModelException("embedding rows of shape " + java.util.Arrays.toString(shape)
                    + " do not fit the text encoder (hidden size " + spec.hiddenSize() + ")");
        }
        long first = tokenTable.size(0);
        Tensor old = tokenTable;
        try (PointerScope scope = new PointerScope()) {
            Tensor converted = rows.to(old.device(), old.scalar_type());
            Tensor grown = torch.cat(new TensorVector(old, converted), 0);
            tokenTable = Tensors.keep(grown);
        }
        old.close();
        return first;
    }

    /** Drops the rows from {@code firstRow} on (undoes an {@link #appendRows} whose tokens could not be added). */
    synchronized void truncateRows(long firstRow) {
        if (firstRow >= tokenTable.size(0)) {
            return;
        }
        Tensor old = tokenTable;
        try (PointerScope scope = new PointerScope()) {
            tokenTable = Tensors.keep(old.narrow(0, 0, firstRow).clone());
        }
        old.close();
    }

    /** Looks up token ids: (batch, tokens) ids -> (batch, tokens, hidden) embeddings. */
    public synchronized Tensor embed(int[][] ids) {
        int batch = ids.length;
        int tokens = ids[0].length;
        long[] flat = new long[batch * tokens];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != tokens) {
                throw new IllegalArgumentException("all rows of ids must have the same length");
            }
            for (int t = 0; t < tokens; t++) {
                int id = ids[b][t];
                if (id < 0 || id >= tokenTable.size(0)) {
                    throw new IllegalArgumentException(
                            "token id " + id + " outside the table of " + tokenTable.size(0));
                }
                flat[b * tokens + t] = id;
            }
        }
        return Tensors.scoped(() -> {
            Tensor index = torch.tensor(flat).to(tokenTable.device(), torch.ScalarType.Long);
            return tokenTable.index_select(0, index).reshape(batch, tokens, spec.hiddenSize());
        });
    }

    /**
     * Runs the transformer on token embeddings (batch, tokens, hidden). {@code clipSkip} follows
     * AUTOMATIC1111: 1 = the model's usual layer, each more one layer earlier. SD 1.x/2.x: 1 = the last layer's
     * output, 2 = the penultimate layer's, each through the final layer norm; SDXL ({@code output: hidden}): 1 = the
     * penultimate layer's hidden states (diffusers' {@code hidden_states[-2]}), 2 = {@code hidden_states[-3]}, ...
     */
    public Tensor encodeEmbeddings(Tensor embeddings, int clipSkip) {
        if (clipSkip < 1 || clipSkip > spec.numLayers()) {
            throw new ModelException("clip skip " + clipSkip + " is outside 1.." + spec.numLayers());
        }
        long skipLayers = spec.output() == Manifest.TextOutput.HIDDEN ? clipSkip : clipSkip - 1;
        return module.forward(embeddings, skipLayers);
    }

    /**
     * The pooled embedding (batch, projection): the last layer through the final layer norm at each row's first
     * end-of-text token, times the text projection (diffusers' {@code text_embeds}).
     *
     * @param ids      (batch, tokens) ids
     * @param eosIndex per row, the position of its first end-of-text token
     */
    public Tensor pooled(int[][] ids, long[] eosIndex) {
        if (!hasPooled()) {
            throw new IllegalStateException(module.file() + " has no pooled embedding");
        }
        return Tensors.scoped(() -> {
            Tensor embeddings = embed(ids);
            Tensor index = torch.tensor(eosIndex).to(embeddings.device(), torch.ScalarType.Long);
            return module.call(POOLED, embeddings, index);
        });
    }

    /** {@link #embed} then {@link #encodeEmbeddings}. */
    public Tensor encode(int[][] ids, int clipSkip) {
        try (Tensor embeddings = embed(ids)) {
            return encodeEmbeddings(embeddings, clipSkip);
        }
    }

    /** Calls so far and the time spent inside the network (for benchmarks). */
    public NetworkTime time() {
        return module.time();
    }

    /** The loaded module (its parameters are what LoRA changes). */
    TorchScriptModule module() {
        return module;
    }

    @Override
    public synchronized void close() {
        tokenTable.close();
        module.close();
    }
}
