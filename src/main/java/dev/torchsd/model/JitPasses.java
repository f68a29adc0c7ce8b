package dev.torchsd.model;

import dev.torchsd.runtime.JitMode;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;

/** Applies a {@link JitMode}'s TorchScript passes to a loaded module. */
final class JitPasses {
    private JitPasses() {}

    /** The transformed module; the original is closed when a new one replaces it, so its weights are held once. */
    static JitModule apply(JitMode mode, JitModule module) {
        if (mode == JitMode.NONE) {
            return module;
        }
        // the passes consult the thread-local executor setting, which network calls on this thread may have turned off
        torch.setGraphExecutorOptimize(true);
        JitModule frozen = torch.freeze(module);
        module.close();
        if (mode == JitMode.FREEZE) {
            return frozen;
        }
        JitModule optimized = torch.optimize_for_inference(frozen);
        frozen.close();
        return optimized;
    }
}
