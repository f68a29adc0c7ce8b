package dev.torchsd.model;

import dev.torchsd.runtime.JitMode;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.StringVectorOptional;
import org.bytedeco.pytorch.global.torch;

/** Applies a {@link JitMode}'s TorchScript passes to a loaded module. */
final class JitPasses {
    /**
     * The exported methods besides forward that torchsd calls (bigG's pooled, DeepCache's, ToMe's): freezing keeps
     * them.
     */
    private static final List<String> METHODS = List.of("pooled", "forward_caching", "forward_shallow", "forward_tome");

    private JitPasses() {}

    /** Whether the module has a method {@code name} ({@code @torch.jit.export}). */
    static boolean hasMethod(JitModule module, String name) {
        try (PointerScope scope = new PointerScope()) {
            return module.find_method(name).has_value();
        }
    }

    /** The transformed module; the original is closed when a new one replaces it, so its weights are held once. */
    static JitModule apply(JitMode mode, JitModule module) {
        if (mode == JitMode.NONE) {
            return module;
        }
        // the passes consult the thread-local executor setting, which network calls on this thread may have turned off
        torch.setGraphExecutorOptimize(true);
        try (StringVector methods = new StringVector(
                        METHODS.stream().filter(name -> hasMethod(module, name)).toArray(String[]::new));
                StringVectorOptional preserved = new StringVectorOptional(methods)) {
            JitModule frozen = torch.freeze(module, preserved, true);
            module.close();
            if (mode == JitMode.FREEZE) {
                return frozen;
            }
            JitModule optimized = torch.optimize_for_inference(frozen, methods);
            frozen.close();
            return optimized;
        }
    }
}
