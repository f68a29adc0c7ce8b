package dev.torchsd.model;

import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.Precision;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.TupleElements;
import org.bytedeco.pytorch.global.torch;

/**
 * One exported TorchScript network, loaded once onto a device, called from any thread.
 * Every call runs without autograd and, for a module as exported (unless {@link #EXECUTOR_OPTIMIZE}),
 * without the graph executor's profiling and optimisation; errors from libtorch become {@link ModelException}s that
 * name the file.
 */
final class TorchScriptModule implements AutoCloseable {
    /**
     * Whether TorchScript's profiling executor profiles and re-optimises the graph on the first calls
     * of each input shape ({@code -Dtorchsd.executor_optimize=true}). Off by default: on the CPU no
     * fuser is enabled, so the optimised graph runs the same kernels (identical images), and without
     * it the first call of a shape is no slower than the next (docs/performance.md, "First-step warm-up").
     * Frozen modules ({@link JitMode#FREEZE}, {@link JitMode#OPTIMIZE}) always keep it: their submodule
     * calls are inlined by the executor's passes.
     */
    static final boolean EXECUTOR_OPTIMIZE = Boolean.getBoolean("torchsd.executor_optimize");

    private final Path file;
    private final JitModule module;
    private final boolean channelsLast;
    private final boolean executorOptimize;
    private final LongAdder calls = new LongAdder();
    private final LongAdder nanosInside = new LongAdder();
    private final Map<String, LongAdder[]> byMethod = new ConcurrentHashMap<>(); // calls, nanos

    private TorchScriptModule(Path file, JitModule module, boolean channelsLast, boolean executorOptimize) {
        this.file = file;
        this.module = module;
        this.channelsLast = channelsLast;
        this.executorOptimize = executorOptimize;
    }

    static TorchScriptModule load(Path file, Device device, WeightsDtype stored) {
        return load(file, device, stored, JitMode.NONE, false, Precision.FP32);
    }

    /**
     * Loads, converts the weights to the type the module computes in ({@code precision}; stored
     * float16 weights become float32 for {@link Precision#FP32}) and applies load-time TorchScript
     * passes (freeze, optimize_for_inference) to the module.
     */
    static TorchScriptModule load(
            Path file, Device device, WeightsDtype stored, JitMode jit, boolean channelsLast, Precision precision) {
        if (!Files.isRegularFile(file)) {
            throw new ModelException("TorchScript file not found: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new ModelException("TorchScript file not readable: " + file);
        }
        LibTorch.ensureLoaded();
        try {
            JitModule module;
            try (org.bytedeco.pytorch.Device target = device.toTorch();
                    DeviceOptional on = new DeviceOptional(target)) {
                module = torch.load(file.toString(), on, false);
            }
            module.eval();
            if (stored == WeightsDtype.FLOAT16 || precision != Precision.FP32) {
                FloatWeights.convert(module, FloatWeights.of(precision));
            }
            if (channelsLast) {
                ChannelsLast.convertParameters(module);
            }
            return new TorchScriptModule(
                    file, JitPasses.apply(jit, module), channelsLast, EXECUTOR_OPTIMIZE || jit != JitMode.NONE);
        } catch (RuntimeException e) {
            throw new ModelException(
                    file + ": not a TorchScript file this libtorch can load (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    Path file() {
        return file;
    }

    JitModule jit() {
        return module;
    }

    /**
     * Calls forward with the given arguments (Tensor, Long, Double or Boolean) and returns its tensor
     * result, owned by the caller. Every temporary of the call (argument vector, IValues, guard) is freed
     * before it returns.
     */
    Tensor forward(Object... args) {
        return call("forward", args);
    }

    /** Whether the export has a method {@code name} ({@code @torch.jit.export}, e.g. bigG's {@code pooled}). */
    boolean hasMethod(String name) {
        return JitPasses.hasMethod(module, name);
    }

    /** As {@link #forward} for the exported method {@code method}. */
    Tensor call(String method, Object... args) {
        // toTensor() is a view into the IValue: copy the handle (not the data) before the IValue goes
        return Tensors.scoped(() -> new Tensor(invoke(method, args).toTensor()));
    }

    /** As {@link #call} for a method that returns a tuple of tensors: them, in order, owned by the caller. */
    TensorVector callTuple(String method, Object... args) {
        return Tensors.scoped(() -> {
            TupleElements elements = invoke(method, args).toTuple().elements();
            TensorVector tensors = new TensorVector();
            for (long i = 0; i < elements.size(); i++) {
                tensors.push_back(elements.get(i).toTensor());
            }
            return tensors;
        });
    }

    /** One call, inside the caller's {@link PointerScope}, which frees its temporaries (and the result's IValue). */
    private IValue invoke(String name, Object... args) {
        // held for its lifetime: gradients stay off until the scope frees the guard
        @SuppressWarnings("UnusedVariable")
        NoGradGuard noGrad = new NoGradGuard();
        // thread-local in libtorch, and one thread calls modules of both kinds: set on every call
        torch.setGraphExecutorOptimize(executorOptimize);
        IValueVector inputs = new IValueVector();
        for (Object arg : args) {
            inputs.push_back(toIValue(arg));
        }
        IValue out;
        long start = System.nanoTime();
        try {
            out = name.equals("forward")
                    ? module.forward(inputs)
                    : module.get_method(name).apply(inputs);
        } catch (RuntimeException e) {
            throw new ModelException(
                    file.getFileName() + ": " + name + " failed (" + firstLine(e.getMessage()) + ")", e);
        }
        long nanos = System.nanoTime() - start;
        nanosInside.add(nanos);
        calls.increment();
        LongAdder[] method = byMethod.computeIfAbsent(name, n -> new LongAdder[] {new LongAdder(), new LongAdder()});
        method[0].increment();
        method[1].add(nanos);
        return out;
    }

    /** Calls so far (of every method) and the time spent inside libtorch in them (for benchmarks). */
    NetworkTime time() {
        return new NetworkTime(calls.sum(), nanosInside.sum());
    }

    /** As {@link #time()} for the calls of one method. */
    NetworkTime time(String method) {
        LongAdder[] adders = byMethod.get(method);
        return adders == null ? NetworkTime.ZERO : new NetworkTime(adders[0].sum(), adders[1].sum());
    }

    private IValue toIValue(Object arg) {
        if (arg instanceof Tensor t) {
            return new IValue(channelsLast ? ChannelsLast.input(t) : t);
        } else if (arg instanceof Long l) {
            return new IValue(l.longValue());
        } else if (arg instanceof Integer i) {
            return new IValue((long) i);
        } else if (arg instanceof Double d) {
            return new IValue(d.doubleValue());
        } else if (arg instanceof Boolean b) {
            return new IValue(b.booleanValue());
        }
        throw new IllegalArgumentException("unsupported TorchScript argument: " + arg);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    @Override
    public void close() {
        module.close();
    }
}
