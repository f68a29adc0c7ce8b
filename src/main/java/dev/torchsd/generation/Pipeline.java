package dev.torchsd.generation;

import dev.torchsd.image.ImageConversion;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationCancelledException;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.pipeline.StepPrediction;
import dev.torchsd.pipeline.StepProgress;
import dev.torchsd.pipeline.TokenMerging;
import dev.torchsd.pipeline.VaeTiling;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.scheduler.TrainingSchedule;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Text-to-image, step for step as diffusers' StableDiffusionPipeline, in its small steps:
 * resolve the request against the model, encode the prompts ({@link Conditioning}), prepare the
 * latents (the seeded CPU generator's noise, or the request's latents, times the scheduler's initial
 * sigma), run the scheduler's loop with classifier-free guidance, decode with the VAE (whole, or in
 * tiles: {@link VaeTiling}).
 *
 * <p>Every tensor made inside a step is freed at the end of that step (a {@link PointerScope});
 * only the latents and the text conditioning live across steps, and they are freed when the
 * request ends, normally or not. The whole generation runs inside a {@link Model.Use}, so the model
 * cannot be freed under it; a model being closed stops the generation at its next step.
 */
public final class Pipeline {
    private final Model model;

    public Pipeline(Model model) {
        this.model = model;
    }

    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        try (Model.Use use = model.use()) {
            return generate(request, listener, use);
        }
    }

    private GenerationResult generate(GenerationRequest request, GenerationListener listener, Model.Use use) {
        return generate(request, listener, use, (Latents) null);
    }

    /** One request; {@code imageLatents} (hires fix's upscaled latents) replace the encoded image when given. */
    private GenerationResult generate(
            GenerationRequest request, GenerationListener listener, Model.Use use, Latents imageLatents) {
        GenerationRequest r = resolve(request);
        if (r.hiresFix().isPresent()) {
            return HiresPass.generate(
                    r, model.manifest().vae().scaleFactor(), (pass, latents) -> generate(pass, listener, use, latents));
        }
        if (MaskedArea.applies(r)) {
            return MaskedArea.generate(r, inner -> generate(inner, listener, use));
        }
        MemoryEstimate.check(model.manifest(), r);
        List<String> warnings = new ArrayList<>();
        return model.withNetworks(
                RequestNetworks.of(r), warnings::add, () -> denoise(r, listener, use, imageLatents, warnings));
    }

    /** The denoising loop of a resolved request, with its LoRA set merged. */
    private GenerationResult denoise(
            GenerationRequest r,
            GenerationListener listener,
            Model.Use use,
            Latents imageLatents,
            List<String> warnings) {
        SchedulerConfig config = schedulerConfig(r);
        NegativeWindow.Resolved window = r.negativeWindow().resolve(r.steps());
        try (Scheduler scheduler = Schedulers.create(r.scheduler().orElse(null), config, r.steps());
                PointerScope requestScope = new PointerScope()) {
            Conditioning conditioning =
                    Conditioning.encode(model, RequestNetworks.forEncoding(r, warnings), window, warnings);
            if (conditioning.maxContextTokens() > MemoryEstimate.PLAIN_CONTEXT_TOKENS) {
                MemoryEstimate.check(
                        model.manifest(), r, conditioning.maxContextTokens()); // long AUTOMATIC1111 prompts
            }
            TrainingSchedule training = TrainingSchedule.fromConfig(config);
            Generator generator = InitialNoise.generator(r.seed());
            ImageStart start =
                    r.image().isPresent() ? ImageStart.prepare(model, r, scheduler, generator, imageLatents) : null;
            Tensor latents = start != null ? start.latents : prepareLatents(r, generator, scheduler.initNoiseSigma());
            DenoisingSplit split = DenoisingSplit.of(r, scheduler, training.trainSteps());
            List<BufferedImage> images;
            Latents finalLatents;
            VaeTiling tiling;
            AutoNegativeStart auto =
                    window.autoStart() ? new AutoNegativeStart(negativeProbe(conditioning, window, start, r)) : null;
            GenerationListener observers = auto == null ? listener : GenerationListener.all(auto, listener);
            int first = start != null ? start.first : split.first();
            try (DeepCache cache = new DeepCache(model.unet(), r.deepCacheInterval(), r.batchSize(), first)) {
                int calls = scheduler.timesteps().length;
                int end = split.end();
                for (int i = first; i < end; i++) {
                    boolean negativeActive =
                            window.activeAt(i, calls) && (auto == null || auto.reached(i, calls, r.steps()));
                    boolean cfg =
                            r.usesGuidance() && !r.guidanceWindow().skipsAt(i, calls, sigmaAt(scheduler, training, i));
                    if (auto != null && !negativeActive && cfg && window.activeAt(i, calls)) {
                        conditioning.inputsAt(
                                i, calls, true, true,
                                false); // context and extras made (and cached) in the request's scope for the probe
                    }
                    Conditioning.CallInputs inputs =
                            conditioning.inputsAt(i, calls, cfg, negativeActive, observers.wantsEmptyPrediction());
                    Tensor next = denoiseStep(
                            cache,
                            scheduler,
                            i,
                            latents,
                            inputs.context(),
                            inputs.extras(),
                            negativeActive,
                            cfg,
                            r,
                            generator,
                            observers,
                            training,
                            start);
                    latents.close();
                    latents = next;
                    if (!listener.onStep(new StepProgress(
                            i - first + 1, end - first, scheduler.timesteps()[i], latents))) {
                        throw new GenerationCancelledException(i - first + 1, end - first);
                    }
                    if (use.closing()) {
                        throw new GenerationCancelledException("generation cancelled after step " + (i + 1) + " of "
                                + calls + ": model '" + model.manifest().name() + "' is being closed");
                    }
                }
                checkFinite(latents, warnings);
                finalLatents = new Latents(Tensors.shape(latents), Tensors.toFloats(latents));
                tiling = decodeTiling(r, warnings);
                try (PointerScope decodeScope = new PointerScope()) {
                    images = ImageConversion.toImages(decode(latents, tiling));
                    images = start != null ? start.finish(images) : images;
                }
            } finally {
                latents.close();
            }
            String sampler = r.scheduler().orElse(scheduler.name());
            GenerationRequest.Builder done = r.toBuilder().scheduler(sampler).vaeTiling(tiling);
            if (auto != null) { // the step it picked: the result's request reproduces the image
                done.negativeWindow(new NegativeWindow(
                        StepPoint.autoChosen(auto.start(r.steps())),
                        r.negativeWindow().end()));
            }
            return new GenerationResult(done.build(), model.manifest().name(), sampler, images, finalLatents, warnings);
        }
    }

    /**
     * The negative prompt's prediction on a call's latents for the automatic start, made beside the guidance
     * batch (whose results therefore stay those of the generation without a negative prompt, bit for bit). The
     * loop has made the call's negative context before the step's scope opens. Null outside the negative window.
     */
    private AutoNegativeStart.NegativeProbe negativeProbe(
            Conditioning conditioning, NegativeWindow.Resolved window, ImageStart start, GenerationRequest r) {
        int batch = r.batchSize();
        return p -> {
            if (!window.activeAt(p.call(), p.calls())) {
                return null;
            }
            Tensor negative = conditioning.at(p.call(), p.calls(), true).narrow(0, 0, batch);
            Map<String, Tensor> extras = new LinkedHashMap<>();
            conditioning
                    .extrasAt(p.call(), p.calls(), true)
                    .forEach((name, rows) -> extras.put(name, rows.narrow(0, 0, batch)));
            Tensor sample = start != null ? start.unetSample(p.modelInput()) : p.modelInput();
            return predict(new UNetInput(sample, p.timestep(), negative, extras), r.tokenMerging());
        };
    }

    /** The U-Net's prediction: forward, or forward_tome when {@code merging} is enabled. */
    private Tensor predict(UNetInput input, TokenMerging merging) {
        return merging.enabled()
                ? model.unet().predictMerging(input, merging.ratio(), merging.maxDownsample())
                : model.unet().predict(input);
    }

    /** The request with the model's defaults filled in, checked against the model. */
    public GenerationRequest resolve(GenerationRequest request) {
        GenerationRequest resolved = RequestResolver.resolve(request, model.manifest(), model.latentChannels());
        if (resolved.deepCacheInterval() > 1) {
            model.unet().requireDeepCache(); // an older export: the error names its folder and the re-export command
        }
        if (RequestResolver.mergesTokens(resolved)) {
            model.unet().requireTokenMerging();
        }
        return resolved;
    }

    /** The model's scheduler config with the request's overrides. */
    public SchedulerConfig schedulerConfig(GenerationRequest r) {
        // The manifest's prediction_type is what the U-Net predicts (v for SD 2.x 768-v models): it
        // drives the scheduler even when the scheduler object omits it; a request may still override it.
        SchedulerConfig config = SchedulerConfig.fromJson(
                        model.manifest().scheduler(), model.folder().resolve(Manifest.FILE_NAME) + " scheduler")
                .with("prediction_type", model.manifest().predictionType());
        for (var override : r.schedulerOverrides().entrySet()) {
            config = config.with(override.getKey(), override.getValue());
        }
        return config;
    }

    /**
     * diffusers' prepare_latents: Gaussian noise from torch's CPU generator (as randn_tensor), or the
     * request's own latents, times the scheduler's initial sigma, on the model's device.
     */
    Tensor prepareLatents(GenerationRequest r, Generator generator, double initNoiseSigma) {
        return Tensors.scoped(() -> {
            Tensor start = r.initialLatents()
                    .map(given -> Tensors.fromFloats(given.values(), given.shape()))
                    .orElseGet(() -> InitialNoise.sample(
                            generator, RequestResolver.latentShape(r, model.manifest(), model.latentChannels())));
            // a refiner's start (denoising_start): the base's latents as they are, already at their noise level
            Tensor latents = r.denoisingStart() > 0 ? start : start.mul(Tensors.scalar(initNoiseSigma));
            return latents.to(model.device().toTorch(), latents.scalar_type());
        });
    }

    private Tensor denoiseStep(
            DeepCache cache,
            Scheduler scheduler,
            int i,
            Tensor latents,
            Tensor context,
            Map<String, Tensor> extras,
            boolean negativeActive,
            boolean cfg,
            GenerationRequest r,
            Generator generator,
            GenerationListener listener,
            TrainingSchedule training,
            ImageStart start) {
        try (PointerScope step = new PointerScope()) {
            double t = scheduler.timesteps()[i];
            long branches = context.size(0) / r.batchSize(); // 3: [empty; negative; positive], a diagnostic
            Tensor input = branches == 3
                    ? torch.cat(new TensorVector(latents, latents, latents), 0)
                    : cfg ? torch.cat(new TensorVector(latents, latents), 0) : latents;
            Tensor scaled = scheduler.scaleModelInput(input, i);
            Tensor sample = start != null ? start.unetSample(scaled) : scaled;
            UNetInput unetInput = new UNetInput(sample, t, context, extras);
            Tensor prediction = r.tokenMerging().enabled()
                    ? predict(unetInput, r.tokenMerging())
                    : cache.predict(unetInput, i, negativeActive);
            Tensor empty = null;
            if (branches == 3) {
                empty = prediction.narrow(0, 0, r.batchSize());
                prediction = prediction.narrow(0, r.batchSize(), 2L * r.batchSize());
            }
            Tensor negative = null;
            Tensor positive = prediction;
            Tensor guided = prediction;
            if (cfg) {
                TensorVector halves = Guidance.split(prediction);
                negative = halves.get(0);
                positive = halves.get(1);
                guided = Guidance.guide(negative, positive, r.guidanceScale());
                if (r.guidanceRescale() > 0) {
                    guided = Guidance.rescale(guided, positive, r.guidanceRescale());
                }
            }
            double[] sigmas = scheduler.sigmas();
            Tensor modelInput = cfg ? scaled.narrow(0, 0, r.batchSize()) : scaled;
            Tensor replacement = listener.onPrediction(new StepPrediction(
                    i,
                    scheduler.timesteps().length,
                    r.steps(),
                    t,
                    sigmas == null ? Double.NaN : sigmas[i],
                    training.alphaBarAt(t),
                    modelInput,
                    negative,
                    positive,
                    guided,
                    negativeActive && cfg,
                    r.guidanceScale(),
                    empty));
            if (replacement != null) {
                guided = replacement;
            }
            Tensor stepped = scheduler.step(guided, i, latents, generator);
            return Tensors.keep(start != null ? start.afterStep(stepped, scheduler, i) : stepped);
        }
    }

    /**
     * The noise level of call {@code i}: the sampler's sigma where it has sigmas, else k-diffusion's
     * {@code sqrt((1 - alphaBar) / alphaBar)} of the call's timestep.
     */
    private static double sigmaAt(Scheduler scheduler, TrainingSchedule training, int i) {
        double[] sigmas = scheduler.sigmas();
        if (sigmas != null) {
            return sigmas[i];
        }
        double alphaBar = training.alphaBarAt(scheduler.timesteps()[i]);
        return Math.sqrt((1 - alphaBar) / alphaBar);
    }

    /** The request's VAE tiling, or tiles where a whole decode would not fit in the memory available now. */
    private VaeTiling decodeTiling(GenerationRequest r, List<String> warnings) {
        Optional<Long> available = MemoryEstimate.availableBytes();
        VaeTiling tiling = MemoryEstimate.decodeTiling(model.manifest(), r, available);
        if (!tiling.equals(r.vaeTiling())) {
            warnings.add(String.format(
                    Locale.ROOT,
                    "decoded in VAE tiles of %s pixels: decoding %dx%d whole needs about %.1f GB, %.1f GB are available",
                    tiling,
                    r.width().getAsInt(),
                    r.height().getAsInt(),
                    MemoryEstimate.decodeBytes(model.manifest(), r).orElse(0.0) / 1e9,
                    available.orElse(0L) / 1e9));
        }
        return tiling;
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
