package dev.torchsd.pipeline;

import dev.torchsd.image.ImageConversion;
import dev.torchsd.model.Model;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.Encoding;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Text-to-image, step for step as diffusers' StableDiffusionPipeline:
 * encode the prompts, draw the initial latents from the seeded CPU generator, run the
 * scheduler's loop with classifier-free guidance, decode with the VAE.
 *
 * <p>Every tensor made inside a step is freed at the end of that step (a {@link PointerScope});
 * only the latents and the text conditioning live across steps, and they are closed when the
 * request ends, normally or not.
 */
public final class Pipeline {
    private final Model model;

    public Pipeline(Model model) {
        this.model = model;
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener) {
        GenerationRequest r = request.resolve(model.manifest());
        SchedulerConfig config = schedulerConfig(r);
        List<String> warnings = new ArrayList<>();
        try (Scheduler scheduler = Schedulers.create(r.scheduler(), config, r.steps());
             PointerScope requestScope = new PointerScope()) {
            Tensor context = encodePrompts(r, warnings);
            Generator generator = InitialNoise.generator(r.seed());
            Tensor latents = Tensors.keep(initialLatents(r, generator, scheduler.initNoiseSigma()));
            List<BufferedImage> images;
            try {
                double[] timesteps = scheduler.timesteps();
                for (int i = 0; i < timesteps.length; i++) {
                    Tensor next = denoiseStep(scheduler, i, latents, context, r, generator);
                    latents.close();
                    latents = next;
                    if (!listener.onStep(i + 1, timesteps.length)) {
                        throw new GenerationCancelledException(i + 1, timesteps.length);
                    }
                }
                checkFinite(latents, warnings);
                try (PointerScope decodeScope = new PointerScope()) {
                    images = ImageConversion.toImages(model.vaeDecoder().decode(latents));
                }
            } finally {
                latents.close();
            }
            String sampler = r.scheduler() != null ? r.scheduler() : scheduler.name();
            return new GenerationResult(r, model.manifest().name(), sampler, images, warnings);
        }
    }

    /** NaN or infinite latents decode to black: say so, as AUTOMATIC1111's NaN check does. */
    private static void checkFinite(Tensor latents, List<String> warnings) {
        try (PointerScope scope = new PointerScope()) {
            if (!torch.isfinite(latents).all().item_bool()) {
                warnings.add("the denoised latents hold NaN or infinite values; the image is black where they are"
                        + " (try another scheduler, fewer steps or a lower guidance scale)");
            }
        }
    }

    /** The model's scheduler config with the request's overrides. */
    SchedulerConfig schedulerConfig(GenerationRequest r) {
        SchedulerConfig config = SchedulerConfig.fromJson(model.manifest().scheduler(),
                model.folder().resolve(dev.torchsd.model.Manifest.FILE_NAME) + " scheduler");
        for (var override : r.schedulerOverrides().entrySet()) {
            config = config.with(override.getKey(), override.getValue());
        }
        return config;
    }

    /** The text conditioning: [negative x B; positive x B] with guidance, positive x B without. */
    Tensor encodePrompts(GenerationRequest r, List<String> warnings) {
        Tensor positive = encodeOne(r.prompt(), r.clipSkip(), "prompt", warnings);
        if (!r.usesGuidance()) {
            return repeatBatch(positive, r.batchSize());
        }
        Tensor negative = encodeOne(r.negativePrompt(), r.clipSkip(), "negative prompt", warnings);
        return torch.cat(new TensorVector(repeatBatch(negative, r.batchSize()), repeatBatch(positive, r.batchSize())), 0);
    }

    private Tensor encodeOne(String text, int clipSkip, String what, List<String> warnings) {
        Encoding encoding = model.tokenizer().encodePadded(text);
        if (encoding.truncated() > 0) {
            warnings.add("the " + what + " is longer than " + model.tokenizer().maxLength() + " tokens: "
                    + encoding.truncated() + " token(s) were truncated");
        }
        return model.textEncoder().encode(new int[][] {encoding.ids()}, clipSkip);
    }

    private static Tensor repeatBatch(Tensor oneRow, int batch) {
        return batch == 1 ? oneRow : oneRow.repeat(batch, 1, 1);
    }

    /** Gaussian noise from torch's CPU generator, as diffusers' randn_tensor, times the scheduler's init sigma. */
    Tensor initialLatents(GenerationRequest r, Generator generator, double initNoiseSigma) {
        int scale = model.manifest().vae().scaleFactor();
        long[] shape = {r.batchSize(), model.unet().inChannels(), r.height() / scale, r.width() / scale};
        Tensor noise = InitialNoise.sample(generator, shape);
        Tensor latents = noise.mul(Tensors.scalar(initNoiseSigma));
        Tensor onDevice = latents.to(model.device().toTorch(), latents.scalar_type());
        return onDevice;
    }

    private Tensor denoiseStep(Scheduler scheduler, int i, Tensor latents, Tensor context, GenerationRequest r,
                               Generator generator) {
        try (PointerScope step = new PointerScope()) {
            double t = scheduler.timesteps()[i];
            Tensor input = r.usesGuidance() ? torch.cat(new TensorVector(latents, latents), 0) : latents;
            Tensor scaled = scheduler.scaleModelInput(input, i);
            Tensor prediction = model.unet().predict(scaled, t, context);
            Tensor guided = r.usesGuidance() ? Guidance.combine(prediction, r.guidanceScale()) : prediction;
            Tensor next = scheduler.step(guided, i, latents, generator);
            return Tensors.keep(next);
        }
    }
}
