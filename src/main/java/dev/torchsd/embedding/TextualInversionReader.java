package dev.torchsd.embedding;

import dev.torchsd.embedding.EmbeddingFormat.Container;
import dev.torchsd.embedding.EmbeddingFormat.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads textual-inversion files of every common format into a {@link TextualInversion}.
 *
 * <p>The container is recognised by content, not by extension (a {@code .bin} may be either):
 * safetensors starts with an 8-byte header length and <code>&#123;</code>, a torch archive with the zip
 * signature {@code PK}, a legacy (pre-1.6) torch file with a pickle's protocol opcode. The
 * layout then follows AUTOMATIC1111's order of checks: a
 * {@code string_to_param} dict; both {@code clip_l} and {@code clip_g} (SDXL); else a single
 * tensor, under {@code emb_params}, under a token (diffusers) or bare. Vectors are 1-D {@code [D]}
 * (one vector) or 2-D {@code [n, D]}.
 */
public final class TextualInversionReader {

    private TextualInversionReader() {}

    /** Reads {@code file}; see the class comment for what is accepted. */
    public static TextualInversion read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EmbeddingException(file + ": file not found");
        }
        byte[] start;
        try {
            start = SafetensorsFile.firstBytes(file, 16);
        } catch (IOException e) {
            throw new EmbeddingException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (SafetensorsFile.looksLikeSafetensors(start)) { // first: a header length may start like a pickle
            return fromSafetensors(file, SafetensorsFile.open(file));
        }
        if (start.length >= 2 && start[0] == 'P' && start[1] == 'K') {
            return fromTorchArchive(file, TorchArchive.load(file));
        }
        if (start.length >= 2 && (start[0] & 0xff) == 0x80 && start[1] == 0x02) {
            return fromTorchArchive(file, TorchArchive.load(file)); // a pickle: PyTorch's legacy (pre-1.6) format
        }
        if (file.toString().endsWith(".safetensors")) {
            return fromSafetensors(file, SafetensorsFile.open(file));
        }
        throw new EmbeddingException(
                file + ": not a textual-inversion file: expected safetensors (8-byte length, then a JSON header)"
                        + " or a torch archive (a zip file starting with 'PK'), found "
                        + (start.length == 0 ? "an empty file" : "bytes " + hex(start))
                        + " (PNG/WebP embeddings with an sd-ti-embedding chunk are not read)");
    }

    private static TextualInversion fromSafetensors(Path file, SafetensorsFile safetensors) {
        Set<String> names = safetensors.names();
        if (names.contains("clip_l") && names.contains("clip_g")) {
            if (names.size() != 2) {
                throw notAnEmbedding(file, names);
            }
            return sdxl(file, Container.SAFETENSORS, safetensors.read("clip_l"), safetensors.read("clip_g"));
        }
        if (names.size() != 1) {
            throw notAnEmbedding(file, names);
        }
        String key = names.iterator().next();
        return single(file, Container.SAFETENSORS, key, safetensors.read(key));
    }

    private static TextualInversion fromTorchArchive(Path file, Object root) {
        if (root instanceof StoredTensor tensor) {
            return build(
                    file,
                    new EmbeddingFormat(Container.TORCH_ARCHIVE, Layout.TENSOR),
                    stem(file),
                    null,
                    List.of(vectorSet(file, "tensor", tensor)),
                    tensor.dtype());
        }
        if (!(root instanceof Map<?, ?> dict)) {
            throw new EmbeddingException(file + ": not a textual-inversion file: the archive holds " + kind(root)
                    + ", expected a dict or a tensor");
        }
        if (dict.containsKey("string_to_param")) {
            return a1111(file, dict);
        }
        if (dict.containsKey("clip_l")
                && dict.containsKey("clip_g")
                && dict.size() == 2
                && dict.get("clip_l") instanceof StoredTensor clipL
                && dict.get("clip_g") instanceof StoredTensor clipG) {
            return sdxl(file, Container.TORCH_ARCHIVE, clipL, clipG);
        }
        if (dict.size() == 1
                && dict.keySet().iterator().next() instanceof String key
                && dict.get(key) instanceof StoredTensor tensor) {
            return single(file, Container.TORCH_ARCHIVE, key, tensor);
        }
        throw notAnEmbedding(file, dict.keySet());
    }

    private static TextualInversion a1111(Path file, Map<?, ?> dict) {
        Object params = dict.get("string_to_param");
        if (params instanceof PickledObject object) {
            // old A1111 files: an nn.ParameterDict, whose entries live in its _parameters
            params = object.state().get("_parameters");
        }
        if (!(params instanceof Map<?, ?> paramMap)
                || paramMap.size() != 1
                || !(paramMap.values().iterator().next() instanceof StoredTensor tensor)) {
            throw new EmbeddingException(
                    file + ": string_to_param must hold exactly one tensor (AUTOMATIC1111 saves {'*': tensor}), found "
                            + (params instanceof Map<?, ?> m ? "keys " + m.keySet() : kind(params)));
        }
        String key = String.valueOf(paramMap.keySet().iterator().next());
        String name = dict.get("name") instanceof String s ? s : null;
        return build(
                file,
                new EmbeddingFormat(Container.TORCH_ARCHIVE, Layout.A1111),
                stem(file),
                name,
                List.of(vectorSet(file, key, tensor)),
                tensor.dtype());
    }

    private static TextualInversion single(Path file, Container container, String key, StoredTensor tensor) {
        if (key.equals("clip_l") || key.equals("clip_g")) {
            throw new EmbeddingException(file + ": holds only '" + key
                    + "', one half of an SDXL embedding (clip_l + clip_g); nothing to load for SD 1.x/2.x");
        }
        VectorSet set = vectorSet(file, key, tensor);
        if (key.equals("emb_params")) {
            return build(
                    file,
                    new EmbeddingFormat(container, Layout.EMB_PARAMS),
                    stem(file),
                    null,
                    List.of(set),
                    tensor.dtype());
        }
        return build(file, new EmbeddingFormat(container, Layout.DIFFUSERS), key, key, List.of(set), tensor.dtype());
    }

    private static TextualInversion sdxl(Path file, Container container, StoredTensor clipL, StoredTensor clipG) {
        VectorSet l = vectorSet(file, "clip_l", clipL);
        VectorSet g = vectorSet(file, "clip_g", clipG);
        if (l.vectorCount() != g.vectorCount()) {
            throw new EmbeddingException(file + ": SDXL embedding with " + l.vectorCount() + " clip_l vectors but "
                    + g.vectorCount() + " clip_g vectors");
        }
        if (clipL.dtype() != clipG.dtype()) {
            throw new EmbeddingException(
                    file + ": SDXL embedding with clip_l in " + clipL.dtype().torchName() + " but clip_g in "
                            + clipG.dtype().torchName());
        }
        return build(file, new EmbeddingFormat(container, Layout.SDXL), stem(file), null, List.of(l, g), clipL.dtype());
    }

    private static TextualInversion build(
            Path file, EmbeddingFormat format, String token, String storedName, List<VectorSet> sets, DType dtype) {
        List<String> warnings = new ArrayList<>();
        for (VectorSet set : sets) {
            for (int i = 0; i < set.vectorCount(); i++) {
                int nan = 0;
                int infinite = 0;
                for (float v : set.rows()[i]) {
                    if (Float.isNaN(v)) {
                        nan++;
                    } else if (Float.isInfinite(v)) {
                        infinite++;
                    }
                }
                if (nan + infinite > 0) {
                    warnings.add("vector " + i + " of '" + set.key() + "' holds " + (nan > 0 ? nan + " NaN" : "")
                            + (nan > 0 && infinite > 0 ? " and " : "") + (infinite > 0 ? infinite + " infinite" : "")
                            + " values out of " + set.hiddenSize()
                            + ": images using this token will likely be black or noise");
                }
            }
        }
        return new TextualInversion(file, format, token, storedName, dtype, sets, warnings);
    }

    /** A [D] or [n, D] tensor of a float type as n vectors. */
    private static VectorSet vectorSet(Path file, String key, StoredTensor tensor) {
        String where = file + ": tensor '" + key + "'";
        if (!tensor.dtype().isDecodable()) {
            throw new EmbeddingException(
                    where + " is " + tensor.dtype().torchName() + "; embeddings are float32, float16 or bfloat16");
        }
        long[] shape = tensor.shape();
        if (shape.length != 1 && shape.length != 2) {
            throw new EmbeddingException(
                    where + " has shape " + Arrays.toString(shape) + "; expected [hidden] or [vectors, hidden]");
        }
        if (tensor.elementCount() == 0) {
            throw new EmbeddingException(
                    where + " is empty (shape " + Arrays.toString(shape) + "): an embedding needs at least one vector");
        }
        int count = shape.length == 1 ? 1 : Math.toIntExact(shape[0]);
        int hidden = Math.toIntExact(shape[shape.length - 1]);
        float[] values = tensor.toFloats();
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = Arrays.copyOfRange(values, i * hidden, (i + 1) * hidden);
        }
        return new VectorSet(key, rows);
    }

    /** The file name without its last extension: {@code EasyNegativeV2.safetensors → EasyNegativeV2}. */
    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static EmbeddingException notAnEmbedding(Path file, Set<?> keys) {
        return new EmbeddingException(
                file + ": not a textual-inversion embedding: keys " + keys
                        + "; expected string_to_param (AUTOMATIC1111), emb_params, a single {token: tensor} (diffusers), or clip_l + clip_g (SDXL)");
    }

    private static String kind(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof StoredTensor) {
            return "a tensor";
        }
        if (value instanceof Map) {
            return "a dict";
        }
        if (value instanceof List) {
            return "a list or tuple";
        }
        if (value instanceof String) {
            return "a string";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            text.append(String.format("%02x ", bytes[i] & 0xff));
        }
        return text.toString().trim();
    }
}
