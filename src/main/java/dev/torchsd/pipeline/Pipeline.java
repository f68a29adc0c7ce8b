package dev.torchsd.pipeline;

import dev.torchsd.image.ImageConversion;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.scheduler.TrainingSchedule;
import dev.torchsd.tensor.Tensors;
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
 * scheduler's loop with classifier-free guidance, decode with the VAE (whole, or in tiles: {@link VaeTiling}).
 *
 * <p>Every tensor made inside a step is freed at the end of that step (a {@link PointerScope});
 * only the latents and the text conditioning live across steps, and they are freed when the
 * request ends, normally or not.
 */
public final class Pipeline {
    private final Model model;

    public Pipeline(Model model) {
        this.model = model;
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener) {
        return generate(request, listener, StepObserver.NONE);
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener, StepObserver observer) {
        GenerationRequest r = request.resolve(model.manifest());
        MemoryEstimate.check(model.manifest(), r);
        SchedulerConfig config = schedulerConfig(r);
        NegativeWindow.Resolved window = r.negativeWindow().resolve(r.steps());
        List<String> warnings = new ArrayList<>();
        try (Scheduler scheduler = Schedulers.create(r.scheduler(), config, r.steps());
             PointerScope requestScope = new PointerScope()) {
            Conditioning conditioning = Conditioning.encode(model, r, window, warnings);
            if (conditioning.contextTokens() > MemoryEstimate.PLAIN_CONTEXT_TOKENS) {
                MemoryEstimate.check(model.manifest(), r, conditioning.contextTokens());  // long AUTOMATIC1111 prompts
            }
            TrainingSchedule training = observer == StepObserver.NONE ? null : TrainingSchedule.fromConfig(config);
            Generator generator = InitialNoise.generator(r.seed());
            Tensor latents = initialLatents(r, generator, scheduler.initNoiseSigma());
            List<BufferedImage> images;
            try {
                int calls = scheduler.timesteps().length;
                for (int i = 0; i < calls; i++) {
                    boolean negativeActive = window.activeAt(i, calls);
                    Tensor next = denoiseStep(scheduler, i, latents, conditioning.at(i, calls, negativeActive), negativeActive, r,
                            generator, observer, training);
                    latents.close();
                    latents = next;
                    if (!listener.onStep(i + 1, calls)) {
                        throw new GenerationCancelledException(i + 1, calls);
                    }
                }
                checkFinite(latents, warnings);
                try (PointerScope decodeScope = new PointerScope()) {
                    images = ImageConversion.toImages(decode(latents, r.vaeTiling()));
                }
            } finally {
                latents.close();
            }
            String sampler = r.scheduler() != null ? r.scheduler() : scheduler.name();
            return new GenerationResult(r, model.manifest().name(), sampler, images, warnings);
        }
    }

    /** The model's scheduler config with the request's overrides. */
    SchedulerConfig schedulerConfig(GenerationRequest r) {
        // The manifest's prediction_type is what the U-Net predicts (v for SD 2.x 768-v models): it
        // drives the scheduler even when the scheduler object omits it; a request may still override it.
        SchedulerConfig config = SchedulerConfig.fromJson(model.manifest().scheduler(),
                model.folder().resolve(Manifest.FILE_NAME) + " scheduler")
                .with("prediction_type", model.manifest().predictionType());
        for (var override : r.schedulerOverrides().entrySet()) {
            config = config.with(override.getKey(), override.getValue());
        }
        return config;
    }

    /** The text conditioning for every call of a request whose negative prompt is always active. */
    Tensor encodePrompts(GenerationRequest r, List<String> warnings) {
        return Conditioning.encode(model, r, r.negativeWindow().resolve(r.steps()), warnings).at(true);
    }

    /** Gaussian noise from torch's CPU generator, as diffusers' randn_tensor, times the scheduler's init sigma. */
    Tensor initialLatents(GenerationRequest r, Generator generator, double initNoiseSigma) {
        int scale = model.manifest().vae().scaleFactor();
        long[] shape = {r.batchSize(), model.unet().inChannels(), r.height() / scale, r.width() / scale};
        Tensor noise = InitialNoise.sample(generator, shape);
        Tensor latents = noise.mul(Tensors.scalar(initNoiseSigma));
        return latents.to(model.device().toTorch(), latents.scalar_type());
    }

    private Tensor denoiseStep(Scheduler scheduler, int i, Tensor latents, Tensor context, boolean negativeActive,
                               GenerationRequest r, Generator generator, StepObserver observer,
                               TrainingSchedule training) {
        try (PointerScope step = new PointerScope()) {
            double t = scheduler.timesteps()[i];
            Tensor input = r.usesGuidance() ? torch.cat(new TensorVector(latents, latents), 0) : latents;
            Tensor scaled = scheduler.scaleModelInput(input, i);
            Tensor prediction = model.unet().predict(scaled, t, context);
            Tensor negative = null;
            Tensor positive = prediction;
            Tensor guided = prediction;
            if (r.usesGuidance()) {
                TensorVector halves = Guidance.split(prediction);
                negative = halves.get(0);
                positive = halves.get(1);
                guided = Guidance.guide(negative, positive, r.guidanceScale());
                if (r.guidanceRescale() > 0) {
                    guided = Guidance.rescale(guided, positive, r.guidanceRescale());
                }
            }
            if (observer != StepObserver.NONE) {
                double[] sigmas = scheduler.sigmas();
                Tensor modelInput = r.usesGuidance() ? scaled.narrow(0, 0, r.batchSize()) : scaled;
                Tensor replacement = observer.onPrediction(new StepPrediction(i, scheduler.timesteps().length,
                        r.steps(), t, sigmas == null ? Double.NaN : sigmas[i], training.alphaBarAt(t), modelInput,
                        negative, positive, guided, negativeActive && r.usesGuidance(), r.guidanceScale()));
                if (replacement != null) {
                    guided = replacement;
                }
            }
            return Tensors.keep(scheduler.step(guided, i, latents, generator));
        }
    }

    /** The image of the latents: decoded whole, or in tiles when the request asks for it. */
    private Tensor decode(Tensor latents, VaeTiling tiling) {
        if (!tiling.enabled()) {
            return model.vaeDecoder().decode(latents);
        }
        int scaleFactor = model.manifest().vae().scaleFactor();
        return TiledVaeDecoding.decode(latents, model.vaeDecoder()::decode, tiling, scaleFactor);
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
}
