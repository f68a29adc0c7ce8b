package dev.torchsd.model;

/**
 * How a model folder stores its floating-point weights: the manifest's {@code weights_dtype}
 * ({@code float32} when absent). Computing is float32 either way: float16 weights are converted
 * when a network loads (this CPU has no fast float16 arithmetic), so they halve the files and the
 * bytes read, not the memory the loaded model takes.
 */
public enum WeightsDtype {
    FLOAT32("float32"),
    FLOAT16("float16");

    static final String FIELD = "weights_dtype";
    /** What exporters before {@code weights_dtype} wrote ({@code --dtype}): {@code "fp32"} or {@code "fp16"}. */
    static final String LEGACY_FIELD = "dtype";

    private final String manifestName;

    WeightsDtype(String manifestName) {
        this.manifestName = manifestName;
    }

    /** The name in model.json, e.g. {@code float16}. */
    public String manifestName() {
        return manifestName;
    }

    static WeightsDtype read(JsonFields manifest) {
        if (manifest.has(FIELD)) {
            String name = manifest.oneOf(FIELD, FLOAT32.manifestName, FLOAT16.manifestName);
            return name.equals(FLOAT16.manifestName) ? FLOAT16 : FLOAT32;
        }
        if (manifest.has(LEGACY_FIELD)) {
            return manifest.oneOf(LEGACY_FIELD, "fp32", "fp16").equals("fp16") ? FLOAT16 : FLOAT32;
        }
        return FLOAT32;
    }
}
