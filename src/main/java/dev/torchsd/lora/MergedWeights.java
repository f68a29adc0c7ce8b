package dev.torchsd.lora;

import dev.torchsd.tensor.Tensors;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The LoRA set merged into one loaded model's weights, and who may run on it.
 *
 * <p>Merging: {@code W = W₀ + Σ multiplier · alpha/rank · ΔW}, into the loaded modules' parameters.
 * The first time a parameter is touched its loaded memory becomes the kept original W₀ and the
 * parameter gets new memory of the same type, shape and layout, written with the sum in one pass (no
 * copy of W₀ is made); every later merge starts again from W₀, and a parameter no longer touched gets
 * its W₀ memory back (its merged memory is then freed, or first reused for a parameter of the same kind
 * that the new set touches): the base weights come back bit for bit, never by subtracting. A switch
 * re-merges only the parameters whose contributions changed. The parameters are the modules' own
 * tensor handles, so giving one new memory ({@code set_data}) changes what the module computes with.
 *
 * <p>Policy: generations that want the set now merged run together; one that wants another set
 * waits until they have all ended, then switches the weights (nobody runs during a switch) and runs.
 * While a generation waits for another set, newcomers for the current set wait too, so no set
 * starves. Requests without LoRA are the empty set and follow the same rule.
 */
public final class MergedWeights {
    private final Map<Part, Map<String, Tensor>> parameters;
    private final Map<Part, Map<String, long[]>> shapes = new HashMap<>();
    private final Supplier<KeyMap> keyMap;
    private final String family;
    private final Object lock = new Object();
    private final Map<MergePlan.Target, Tensor> originals = new HashMap<>();
    private Map<MergePlan.Target, List<String>> merged = Map.of();
    private List<NetworkUse> current = List.of();
    private List<String> currentWarnings = List.of();
    private int active;
    private int waitingForOther;

    /**
     * @param parameters the live parameters LoRA may change, per network (the modules' own tensors)
     * @param keyMap     read when a LoRA is first applied
     */
    public MergedWeights(Map<Part, Map<String, Tensor>> parameters, Supplier<KeyMap> keyMap, String family) {
        this.parameters = parameters;
        this.keyMap = keyMap;
        this.family = family;
        parameters.forEach((part, byName) -> {
            Map<String, long[]> s = new HashMap<>();
            byName.forEach((name, t) -> s.put(name, Tensors.shape(t)));
            shapes.put(part, s);
        });
    }

    /**
     * Runs {@code work} with exactly {@code set} merged (the empty list: the base weights), after
     * waiting for generations on another set to end. A bad file throws before any weight changes.
     * Warnings of the set (partial matches) go to {@code warnings}.
     */
    public <T> T with(List<NetworkUse> set, Consumer<String> warnings, Supplier<T> work) {
        enter(set);
        try {
            currentWarnings.forEach(warnings);
            return work.get();
        } finally {
            synchronized (lock) {
                active--;
                lock.notifyAll();
            }
        }
    }

    /** The set now merged (for tests and inspection). */
    public List<NetworkUse> current() {
        synchronized (lock) {
            return current;
        }
    }

    /** Parameters whose originals are kept now. */
    public int keptOriginals() {
        synchronized (lock) {
            return originals.size();
        }
    }

    /** The bytes of the originals kept now: what a merged set costs in memory. */
    public long keptOriginalBytes() {
        synchronized (lock) {
            return originals.values().stream()
                    .mapToLong(t -> t.numel() * t.element_size())
                    .sum();
        }
    }

    private void enter(List<NetworkUse> set) {
        synchronized (lock) {
            boolean counted = false;
            try {
                while (!(active == 0 || (set.equals(current) && waitingForOther == 0))) {
                    if (!counted && !set.equals(current)) {
                        waitingForOther++;
                        counted = true;
                    }
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException(
                        "interrupted while waiting for the generations of another LoRA set to end");
            } finally {
                if (counted) {
                    waitingForOther--;
                }
            }
            if (!set.equals(current)) {
                switchTo(set);
            }
            active++;
        }
    }

    /** Called with nobody running: builds and checks the plan, then changes only what differs. */
    private void switchTo(List<NetworkUse> set) {
        MergePlan plan = MergePlan.build(set, keyMap, shapes, family);
        Set<MergePlan.Target> touched = new LinkedHashSet<>(merged.keySet());
        touched.addAll(plan.contributions().keySet());
        Map<MergePlan.Target, List<String>> next = new HashMap<>();
        Map<String, Deque<Tensor>> spares = new HashMap<>();
        try (NoGradGuard noGrad = new NoGradGuard();
                PointerScope scope = new PointerScope()) {
            Tensor scratch = torch.empty(
                    new long[] {largest(plan)}, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
            // first the parameters this set leaves: their merged memory is spare
            for (MergePlan.Target target : touched) {
                Tensor original = plan.signature(target).isEmpty() ? originals.remove(target) : null;
                if (original != null) {
                    Tensor live = parameters.get(target.part()).get(target.parameter());
                    Tensor spare = Tensors.keep(live.detach()); // a handle on the merged memory
                    live.set_data(original);
                    original.close();
                    spares.computeIfAbsent(kind(spare), k -> new ArrayDeque<>()).add(spare);
                }
            }
            for (MergePlan.Target target : touched) {
                List<String> signature = plan.signature(target);
                if (!signature.isEmpty()) {
                    next.put(target, signature);
                    if (!signature.equals(merged.getOrDefault(target, List.of()))) {
                        apply(target, plan.contributions().get(target), scratch, spares);
                    }
                }
            }
        } catch (RuntimeException e) {
            restoreAll();
            throw e;
        } finally {
            spares.values().forEach(left -> left.forEach(Tensor::close));
        }
        merged = next;
        current = List.copyOf(set);
        currentWarnings = plan.warnings();
    }

    /** A tensor's type, shape and layout: spare memory of one kind serves any parameter of that kind. */
    private static String kind(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            return t.scalar_type()
                    + Arrays.toString(Tensors.shape(t))
                    + Arrays.toString(t.strides().vec().get());
        }
    }

    /**
     * Merges {@code contributions} into {@code target}. If its original is not kept yet, the loaded
     * memory becomes the kept original and the parameter gets new memory for the sum: spare memory of the
     * same kind when there is one (a parameter the previous set touched and this one does not), so a switch
     * between sets on different layers reuses memory instead of allocating.
     */
    private void apply(
            MergePlan.Target target,
            List<MergePlan.Contribution> contributions,
            Tensor scratch,
            Map<String, Deque<Tensor>> spares) {
        Tensor live = parameters.get(target.part()).get(target.parameter());
        Tensor original = originals.get(target);
        if (original == null) {
            original = Tensors.keep(live.detach()); // a handle on the loaded memory: W₀
            Tensor memory = spares.getOrDefault(kind(live), new ArrayDeque<>()).poll();
            if (memory == null) {
                memory = Tensors.keep(Tensors.scoped(() -> torch.empty_like(live)));
            }
            live.set_data(memory);
            memory.close(); // the parameter holds it now
            originals.put(target, original);
        }
        try (PointerScope scope = new PointerScope()) {
            long[] shape = Tensors.shape(live);
            for (int i = 0; i < contributions.size(); i++) {
                MergePlan.Contribution c = contributions.get(i);
                Tensor delta = DeltaWeight.compute(c.module(), live.numel(), scratch)
                        .reshape(shape)
                        .to(live.device(), live.scalar_type());
                delta.mul_(Tensors.scalar(c.factor())); // ΔW is ours (the scratch buffer or new): scaled in place
                if (i == 0) {
                    torch.add_out(live, original, delta); // W₀ + f·ΔW written in one pass
                } else {
                    live.add_(delta);
                }
                delta.close(); // each module's ΔW freed before the next one's is made
            }
        }
    }

    /** The values of the largest parameter the plan changes: the size of a ΔW buffer for all of them. */
    private long largest(MergePlan plan) {
        return plan.contributions().keySet().stream()
                .mapToLong(t ->
                        Arrays.stream(shapes.get(t.part()).get(t.parameter())).reduce(1, Math::multiplyExact))
                .max()
                .orElse(0);
    }

    /** After a failure half-way through a switch: every parameter back to its original, the empty set current. */
    private void restoreAll() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            originals.forEach((target, original) -> {
                parameters.get(target.part()).get(target.parameter()).set_data(original);
                original.close();
            });
        }
        originals.clear();
        merged = Map.of();
        current = List.of();
        currentWarnings = List.of();
    }

    /** Frees the kept originals and the handles on the parameters (the model is being closed). */
    public void close() {
        synchronized (lock) {
            originals.values().forEach(Tensor::close);
            originals.clear();
            parameters.values().forEach(byName -> byName.values().forEach(Tensor::close));
        }
    }
}
