package dev.torchsd.runtime;

import java.util.Locale;

/**
 * What libtorch's TorchScript passes do to the U-Net and the VAE at load (the text encoder is left
 * as exported: the Java side reads its token-embedding parameter, which freezing would turn into a
 * constant). docs/performance.md has the measurements behind the default.
 */
public enum JitMode {
    /** The module as loaded (the profiling executor still optimises the graph on the first calls). */
    NONE,
    /** {@code torch::jit::freeze}: parameters become constants, attribute lookups disappear. */
    FREEZE,
    /** {@code optimize_for_inference(freeze(m))}: also folds and converts convolutions to oneDNN's layout. */
    OPTIMIZE;

    /**
     * Reads a mode's name.
     *
     * @param text "none", "freeze" or "optimize", in any case
     * @param source where the text came from (e.g. a system property), for the error message
     * @return the mode
     * @throws DeviceException naming {@code source} and the text if it is none of these
     */
    public static JitMode parse(String text, String source) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DeviceException(source + "=" + text + ": expected none, freeze or optimize");
        }
    }
}
