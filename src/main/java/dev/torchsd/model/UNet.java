package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The noise-prediction U-Net: {@link UNetInput} (sample, timestep, text context and the manifest's
 * extra inputs) -> predicted noise (or v) with the latents' channels.
 */
public final class UNet implements AutoCloseable {
    private static final String CACHING = "forward_caching";
    private static final String SHALLOW = "forward_shallow";
    private static final String TOME = "forward_tome";
    private final TorchScriptModule module;
    private final Manifest.UNetSpec spec;

    UNet(TorchScriptModule module, Manifest.UNetSpec spec) {
        this.module = module;
        this.spec = spec;
    }

    /** Channels of the sample the U-Net takes: the latents' and, for inpainting models, mask and masked-image latents. */
    public int inChannels() {
        return spec.inChannels();
    }

    /** The extra inputs the export takes after (sample, timestep, context), in order. */
    public List<String> extraInputs() {
        return spec.extraInputs();
    }

    /**
     * One call for the whole batch. The timestep goes in as a float32 tensor so fractional
     * timesteps (Euler, Heun, ...) stay exact.
     */
    public Tensor predict(UNetInput input) {
        return Tensors.scoped(() -> module.forward(arguments(input).toArray()));
    }

    /** Whether the export has DeepCache's methods ({@code unet.deepcache}); older exports have forward only. */
    public boolean hasDeepCache() {
        return spec.deepCache();
    }

    /**
     * DeepCache's full call: {@link #predict}'s prediction, computed the same way, and the deep feature that
     * enters output block {@code n - 1 - branch} (n output blocks), for {@link #predictShallow} at later calls.
     *
     * @param branch the skip branch: input blocks 0..branch and the last branch + 1 output blocks are the shallow path
     */
    public CachingPrediction predictCaching(UNetInput input, int branch) {
        requireDeepCache();
        TensorVector out = Tensors.scoped(() -> {
            List<Object> args = arguments(input);
            args.add((long) branch);
            return module.callTuple(CACHING, args.toArray());
        });
        // get() is a view into the vector, which the caller's scope frees: copy the handles (not the data)
        return new CachingPrediction(new Tensor(out.get(0)), new Tensor(out.get(1)));
    }

    /**
     * What {@link #predictCaching} gives, in the caller's scope.
     *
     * @param prediction as {@link #predict}'s
     * @param deep       the deep feature for {@link #predictShallow}, one row per row of the input
     */
    public record CachingPrediction(Tensor prediction, Tensor deep) {}

    /**
     * DeepCache's cheap call: the shallow path of {@code branch} on this input around {@code deep}, a feature from
     * {@link #predictCaching} with the same rows and the same branch.
     */
    public Tensor predictShallow(UNetInput input, Tensor deep, int branch) {
        requireDeepCache();
        return Tensors.scoped(() -> {
            List<Object> args = arguments(input);
            args.add(deep);
            args.add((long) branch);
            return module.call(SHALLOW, args.toArray());
        });
    }

    /** Whether the export has token merging's method {@code forward_tome} ({@code unet.tome}). */
    public boolean hasTokenMerging() {
        return spec.tokenMerging();
    }

    /**
     * {@link #predict} with token merging (ToMe for SD) in the self-attention of the levels down-sampled by a factor
     * of at most {@code maxDownsample}; ratio 0 gives {@link #predict}'s prediction exactly.
     *
     * @param ratio         the share of each map's tokens merged away, in [0, 1)
     * @param maxDownsample the deepest level merged, by its down-sampling (1, 2, 4 or 8)
     */
    public Tensor predictMerging(UNetInput input, double ratio, int maxDownsample) {
        requireTokenMerging();
        return Tensors.scoped(() -> {
            List<Object> args = arguments(input);
            args.add(ratio);
            args.add((long) maxDownsample);
            return module.call(TOME, args.toArray());
        });
    }

    /** Throws a {@link ModelException} naming the folder and the re-script command unless {@link #hasDeepCache}. */
    public void requireDeepCache() {
        requireMethods(spec.deepCache(), "DeepCache methods", "deepcache");
    }

    /** As {@link #requireDeepCache} for {@link #hasTokenMerging}. */
    public void requireTokenMerging() {
        requireMethods(spec.tokenMerging(), "token merging method (forward_tome)", "tome");
    }

    private void requireMethods(boolean present, String what, String key) {
        if (!present) {
            Path folder = module.file().toAbsolutePath().getParent();
            throw new ModelException(folder + ": the U-Net export has no " + what + " (model.json has no unet." + key
                    + "; exported before it existed); add it with: ./cppbuild.sh rescript " + folder
                    + " [--out NEW_DIR]");
        }
    }

    /** The call's arguments after checking them: sample, timestep (float32 tensor), context, the extra inputs. */
    private List<Object> arguments(UNetInput input) {
        if (input.sample().size(1) != spec.inChannels()) {
            throw new ModelException(module.file().getFileName() + ": the sample has "
                    + input.sample().size(1) + " channels, the U-Net takes " + spec.inChannels());
        }
        if (!input.extras().keySet().equals(new java.util.HashSet<>(spec.extraInputs()))) {
            throw new ModelException(module.file().getFileName() + ": extra inputs "
                    + input.extras().keySet() + " given, the manifest's unet.extra_inputs are " + spec.extraInputs());
        }
        Tensor t = Tensors.fromFloats(new float[] {(float) input.timestep()}, 1);
        if (input.sample().device().is_cuda()) {
            t = t.to(input.sample().device(), t.scalar_type());
        }
        List<Object> args = new ArrayList<>(List.of(input.sample(), t, input.context()));
        for (String name : spec.extraInputs()) {
            args.add(input.extras().get(name));
        }
        return args;
    }

    /** Calls so far and the time spent inside the network (for benchmarks). */
    public NetworkTime time() {
        return module.time();
    }

    /** As {@link #time()} for DeepCache's shallow calls alone ({@link #predictShallow}). */
    public NetworkTime shallowTime() {
        return module.time(SHALLOW);
    }

    /** The loaded module (its parameters are what LoRA changes). */
    TorchScriptModule module() {
        return module;
    }

    @Override
    public void close() {
        module.close();
    }
}
