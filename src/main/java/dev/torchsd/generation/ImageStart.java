package dev.torchsd.generation;

import dev.torchsd.image.Pixels;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The start of an image-guided loop, as diffusers' img2img and inpaint pipelines prepare it, and
 * what the loop needs of it at each step:
 * <ul>
 *   <li>image-to-image: the image encoded (the VAE's posterior sampled with the request's generator,
 *       times the scaling factor), noised to the first timestep with the generator's next draw
 *       ({@code scheduler.addNoise}), the loop from {@link Strength#firstIndex};</li>
 *   <li>inpainting: the same start (pure noise times the initial sigma at strength 1), the masked
 *       image encoded after the noise; a 9-channel U-Net sees {@code [latents, mask, masked-image
 *       latents]}, a 4-channel one has its kept region replaced after each step by the image latents
 *       noised to the next timestep with the same noise ("blend"); the final image keeps the kept
 *       pixels of the original ({@link MaskPreparation#overlay}).</li>
 * </ul>
 * Generator order as diffusers': the image's posterior, (AUTOMATIC1111's latent-noise fill), the added
 * noise, the masked image's posterior, then the sampler's own draws. The tensors belong to the
 * PointerScope that is innermost when this is made (the pipeline's request scope).
 */
final class ImageStart {
    final int first;
    final Tensor latents;
    private final Tensor imageLatents;
    private final Tensor noise;
    private final Tensor latentMask;
    private final Tensor maskedImageLatents;
    private final MaskPreparation mask;
    private final int[] original;
    private final boolean concatenated;

    private ImageStart(
            int first,
            Tensor latents,
            Tensor imageLatents,
            Tensor noise,
            Tensor latentMask,
            Tensor maskedImageLatents,
            MaskPreparation mask,
            int[] original,
            boolean concatenated) {
        this.first = first;
        this.latents = latents;
        this.imageLatents = imageLatents;
        this.noise = noise;
        this.latentMask = latentMask;
        this.maskedImageLatents = maskedImageLatents;
        this.mask = mask;
        this.original = original;
        this.concatenated = concatenated;
    }

    /**
     * The start of resolved request {@code r} (its image present), drawing from {@code generator};
     * {@code given} latents (already scaled, as diffusers takes a 4-channel image) replace the encoded image.
     */
    static ImageStart prepare(
            Model model, GenerationRequest r, Scheduler scheduler, Generator generator, Latents given) {
        ImageInput input = r.image().orElseThrow();
        int width = r.width().getAsInt();
        int height = r.height().getAsInt();
        int[] pixels = ImagePreparation.fitted(input.image(), input.resize(), width, height);
        MaskPreparation mask = input.mask()
                .map(m -> MaskPreparation.of(input, m, width, height))
                .orElse(null);
        double strength = input.strengthOrDefault();
        int first = Strength.firstIndex(input, strength, r.steps(), scheduler.order());
        boolean concatenated = model.unet().inChannels() != model.latentChannels();
        boolean pureNoise = mask != null && strength == 1.0;
        int scale = model.manifest().vae().scaleFactor();
        var device = model.device().toTorch();
        Tensor latentMask = mask == null ? null : mask.latentMask(scale).to(device, torch.ScalarType.Float);
        int[] encoded = mask != null && input.fill() == ImageInput.Fill.FILL ? mask.filled(pixels) : pixels;
        Tensor image = ImagePreparation.toTensor(encoded, width, height).to(device, torch.ScalarType.Float);
        long[] shape = RequestResolver.latentShape(r, model.manifest(), model.latentChannels());
        Tensor imageLatents = null;
        if (given != null) {
            imageLatents = Tensors.fromFloats(given.values(), given.shape()).to(device, torch.ScalarType.Float);
        } else if (mask == null || !concatenated || !pureNoise) {
            imageLatents = batch(encode(model, image, input.sampling(), generator), r.batchSize());
            imageLatents = filledLatents(imageLatents, latentMask, input.fill(), generator, shape, device);
        }
        Tensor noise = InitialNoise.sample(generator, shape).to(device, torch.ScalarType.Float);
        Tensor latents = pureNoise
                ? noise.mul(Tensors.scalar(scheduler.initNoiseSigma()))
                : scheduler.addNoise(imageLatents, noise, first);
        Tensor maskedImageLatents = mask == null
                ? null
                : batch(encode(model, mask.maskedImage(image), input.sampling(), generator), r.batchSize());
        return new ImageStart(
                first,
                latents,
                imageLatents,
                noise,
                latentMask,
                maskedImageLatents,
                mask,
                mask == null ? null : pixels,
                concatenated);
    }

    /**
     * diffusers' retrieve_latents and the scaling factor: the encoder's moments (mean ‖ log-variance),
     * {@code mean + exp(0.5 * clamp(logvar, -30, 20)) * randn} (or the mean), times scaling_factor.
     */
    static Tensor encode(Model model, Tensor image, ImageInput.Sampling sampling, Generator generator) {
        return Tensors.scoped(() -> {
            Tensor moments = model.vaeEncoder().moments(image);
            long channels = moments.size(1) / 2;
            Tensor mean = moments.narrow(1, 0, channels);
            Tensor sample = mean;
            if (sampling == ImageInput.Sampling.SAMPLE) {
                Tensor logvar = moments.narrow(1, channels, channels)
                        .clamp(new ScalarOptional(Tensors.scalar(-30.0)), new ScalarOptional(Tensors.scalar(20.0)));
                Tensor std = torch.exp(logvar.mul(Tensors.scalar(0.5)));
                Tensor draw =
                        InitialNoise.sample(generator, Tensors.shape(mean)).to(mean.device(), mean.scalar_type());
                sample = mean.add(std.mul(draw));
            }
            return sample.mul(Tensors.scalar(model.manifest().vae().scalingFactor()));
        });
    }

    /** One image's latents repeated for the batch (diffusers encodes the image once). */
    private static Tensor batch(Tensor latents, int batch) {
        return batch == 1 ? latents : latents.repeat(batch, 1, 1, 1);
    }

    /** AUTOMATIC1111's latent fills: the masked latents replaced by noise or zeros. */
    private static Tensor filledLatents(
            Tensor latents,
            Tensor mask,
            ImageInput.Fill fill,
            Generator generator,
            long[] shape,
            org.bytedeco.pytorch.Device device) {
        if (mask == null || fill == ImageInput.Fill.ORIGINAL || fill == ImageInput.Fill.FILL) {
            return latents;
        }
        Tensor keep = latents.mul(torch.ones_like(mask).sub(mask));
        if (fill == ImageInput.Fill.LATENT_NOTHING) {
            return keep;
        }
        return keep.add(InitialNoise.sample(generator, shape)
                .to(device, torch.ScalarType.Float)
                .mul(mask));
    }

    /** The U-Net's sample for the scaled latents (batch as the U-Net call): with the mask and masked-image latents for a 9-channel U-Net. */
    Tensor unetSample(Tensor scaled) {
        if (!concatenated || mask == null) {
            return scaled;
        }
        long calls = scaled.size(0) / maskedImageLatents.size(0);
        Tensor maskBatch = latentMask.repeat(scaled.size(0), 1, 1, 1);
        Tensor masked = calls == 1 ? maskedImageLatents : maskedImageLatents.repeat(calls, 1, 1, 1);
        return torch.cat(new TensorVector(scaled, maskBatch, masked), 1);
    }

    /**
     * After the step at scheduler index {@code index}: for blend inpainting the kept region replaced by
     * the image latents noised to the next timestep (not noised after the last step), else unchanged.
     */
    Tensor afterStep(Tensor stepped, Scheduler scheduler, int index) {
        if (mask == null || concatenated) {
            return stepped;
        }
        return Tensors.scoped(() -> {
            boolean last = index + 1 >= scheduler.timesteps().length;
            Tensor proper = last ? imageLatents : scheduler.addNoise(imageLatents, noise, index + 1);
            return torch.ones_like(latentMask).sub(latentMask).mul(proper).add(latentMask.mul(stepped));
        });
    }

    /** The decoded images, the unmasked pixels of the original put back when inpainting. */
    List<BufferedImage> finish(List<BufferedImage> images) {
        if (mask == null) {
            return images;
        }
        List<BufferedImage> out = new ArrayList<>();
        for (BufferedImage image : images) {
            out.add(Pixels.image(mask.overlay(Pixels.rgb(image), original), mask.width(), mask.height()));
        }
        return out;
    }

    /** The start image at the request size, for traces. */
    BufferedImage startImage(int width, int height) {
        return original == null ? null : Pixels.image(original, width, height);
    }
}
