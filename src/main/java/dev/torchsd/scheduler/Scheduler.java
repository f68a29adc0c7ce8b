package dev.torchsd.scheduler;

import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * One sampler configured for one request (a fixed number of inference steps). Schedulers keep state
 * between steps (multistep history, Heun's first half), so a pipeline creates a new one per request
 * and closes it afterwards.
 *
 * <p>The denoising loop is, as in diffusers:
 * <pre>
 * latents = noise * initNoiseSigma()
 * for i in 0 until timesteps().length:
 *     input = scaleModelInput(latents, i)
 *     eps   = unet(input, timesteps()[i], text)      // plus guidance
 *     latents = step(eps, i, latents, generator)
 * </pre>
 * Tensors passed in stay owned by the caller; returned tensors are new and owned by the caller.
 */
public interface Scheduler extends AutoCloseable {

    /** The canonical (diffusers class) name of this sampler. */
    String name();

    /** The timestep fed to the U-Net at each call, in order; its length is the number of U-Net calls. */
    double[] timesteps();

    /**
     * The noise level of the U-Net input at each call, then the final one (length timesteps().length + 1),
     * or null when the sampler has none.
     */
    double[] sigmas();

    /**
     * The noise-level arrays diffusers' scheduler object holds after {@code set_timesteps(steps)}, by
     * attribute name and in diffusers' layout, to compare with diffusers: {@code sigmas}, equal to
     * {@link #sigmas()} for every sampler but KDPM2 (whose diffusers table repeats each level and ends in
     * padding), and KDPM2's {@code sigmas_interpol}. Empty for the samplers without sigmas (DDIM, DDPM, PNDM).
     */
    default Map<String, double[]> diffusersSigmas() {
        double[] sigmas = sigmas();
        return sigmas == null ? Map.of() : Map.of("sigmas", sigmas);
    }

    /** The factor the initial Gaussian noise is multiplied by. */
    double initNoiseSigma();

    /** The solver order (1 for first-order samplers, 2 for Heun/DPM-Solver++ 2M...). */
    int order();

    /** Scales the latents before the U-Net call at loop index {@code index}. */
    Tensor scaleModelInput(Tensor sample, int index);

    /** One denoising step at loop index {@code index}; stochastic samplers draw from {@code generator}. */
    Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator);

    /**
     * Noises a clean sample to the noise level of loop index {@code index} (image-to-image starts the
     * loop there): diffusers' {@code add_noise(original, noise, timesteps()[index])}.
     */
    Tensor addNoise(Tensor original, Tensor noise, int index);

    /** Releases tensors kept between steps. */
    @Override
    void close();
}
