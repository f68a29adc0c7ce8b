package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.buffer_iterator;
import org.bytedeco.pytorch.buffer_list;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.bytedeco.pytorch.parameter_iterator;
import org.bytedeco.pytorch.parameter_list;

/** Walks a loaded module's tensors (its submodules' included), for load-time conversions in place. */
final class ModuleTensors {
    private ModuleTensors() {}

    /** Calls {@code action} on every parameter of the module and its submodules. */
    static void forEachParameter(JitModule module, Consumer<Tensor> action) {
        try (PointerScope scope = new PointerScope()) {
            parameter_list parameters = module.parameters(true);
            for (parameter_iterator it = parameters.begin(); it.notEquals(parameters.end()); it = it.increment()) {
                action.accept(it.access());
            }
        }
    }

    /** Calls {@code action} on every parameter and then every buffer of the module and its submodules. */
    static void forEachParameterAndBuffer(JitModule module, Consumer<Tensor> action) {
        forEachParameter(module, action);
        try (PointerScope scope = new PointerScope()) {
            buffer_list buffers = module.buffers(true);
            for (buffer_iterator it = buffers.begin(); it.notEquals(buffers.end()); it = it.increment()) {
                action.accept(it.access());
            }
        }
    }

    /**
     * The module's parameters by name (submodules' included), as kept handles on the module's own
     * tensors (not views of their memory): changing one in place, or giving it new memory with
     * {@code set_data}, changes what the module computes with. The caller closes them.
     */
    static Map<String, Tensor> namedParameters(JitModule module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            named_parameter_list list = module.named_parameters(true);
            for (named_parameter_iterator it = list.begin(); it.notEquals(list.end()); it = it.increment()) {
                NamedTensor named = it.access();
                out.put(named.name().getString(), Tensors.keep(new Tensor(named.value()))); // the parameter itself
            }
        }
        return out;
    }
}
