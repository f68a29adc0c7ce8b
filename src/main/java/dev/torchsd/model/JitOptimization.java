package dev.torchsd.model;

import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;

import java.util.Locale;

/**
 * What libtorch's TorchScript passes do to the U-Net and the VAE decoder at load (the text encoder
 * is left as exported: the Java side reads its token-embedding parameter, which freezing would
 * turn into a constant). Chosen by the system property {@code torchsd.jit} ({@code none},
 * {@code freeze}, {@code optimize}); docs/performance.md has the measurements behind the default.
 */
public enum JitOptimization {
    /** The module as loaded (the profiling executor still optimises the graph on the first calls). */
    NONE,
    /** {@code torch::jit::freeze}: parameters become constants, attribute lookups disappear. */
    FREEZE,
    /** {@code optimize_for_inference(freeze(m))}: also folds and converts convolutions to oneDNN's layout. */
    OPTIMIZE;

    public static final String PROPERTY = "torchsd.jit";
    public static final JitOptimization DEFAULT = NONE;

    /** The system property's choice, or the default; a ModelException names a wrong value. */
    public static JitOptimization fromSystemProperty() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelException("system property " + PROPERTY + "=" + value + ": expected none, freeze or optimize");
        }
    }

    /** The transformed module; the original is closed when a new one replaces it, so its weights are held once. */
    JitModule apply(JitModule module) {
        if (this == NONE) {
            return module;
        }
        JitModule frozen = torch.freeze(module);
        module.close();
        if (this == FREEZE) {
            return frozen;
        }
        JitModule optimized = torch.optimize_for_inference(frozen);
        frozen.close();
        return optimized;
    }
}
