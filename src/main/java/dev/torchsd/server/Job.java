package dev.torchsd.server;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationCancelledException;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.StepProgress;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One txt2img request from the moment it is queued: where it is (batch, step), what it was asked
 * (interrupt, skip, a preview) and what it made. AUTOMATIC1111's semantics: interrupt ends the job
 * and keeps what the current batch had reached (its latents decoded as they are); skip does that
 * for the current batch and goes on with the next. A job whose client went away is cancelled and
 * returns nothing.
 */
final class Job {
    private static final AtomicLong IDS = new AtomicLong();

    /** The images of one batch and the request (seed) that made them; {@code partial} when cut short. */
    record Batch(
            GenerationRequest request,
            String sampler,
            String modelName,
            List<BufferedImage> images,
            boolean partial,
            List<String> warnings) {
        GenerationResult asResult() {
            return new GenerationResult(request, modelName, sampler, images, null, warnings);
        }
    }

    final long id = IDS.incrementAndGet();
    final SdRequest spec;
    final long queuedAt = System.currentTimeMillis();
    private volatile long startedAt;
    private volatile int batch;
    private volatile int step;
    private volatile int totalSteps;
    private volatile boolean interrupted;
    private volatile boolean skipped;
    private volatile boolean cancelled;
    private volatile ClientWatch client = ClientWatch.NONE;
    private volatile boolean previewWanted;
    private volatile BufferedImage preview;
    private final List<Batch> batches = new ArrayList<>();
    private volatile StepTrace trace;

    Job(SdRequest spec) {
        this.spec = spec;
    }

    /**
     * Runs every batch on {@code sd}; returns the batches made (fewer when interrupted). Throws
     * {@link GenerationCancelledException} when its client went away, before, during or after a
     * batch: such a job returns nothing.
     */
    List<Batch> run(StableDiffusion sd) {
        startedAt = System.currentTimeMillis();
        String defaultSampler = sd.info().defaultScheduler();
        for (int i = 0; i < spec.iterations() && !interrupted && !cancelled(); i++) {
            batch = i;
            step = 0;
            skipped = false;
            GenerationRequest request = spec.batch(i);
            List<BufferedImage> partial = new ArrayList<>();
            GenerationListener listener = listener(sd, partial);
            if (i == 0 && spec.trace()) {
                trace = new StepTrace(sd);
                listener = GenerationListener.all(listener, trace);
            }
            try {
                GenerationResult result = sd.generate(request, listener);
                add(new Batch(
                        result.request(),
                        result.sampler(),
                        result.modelName(),
                        result.images(),
                        false,
                        result.warnings()));
            } catch (GenerationCancelledException e) {
                if (cancelled() || partial.isEmpty()) {
                    throw e;
                }
                add(new Batch(
                        request,
                        request.scheduler().orElse(defaultSampler),
                        sd.info().name(),
                        partial,
                        true,
                        List.of()));
            }
        }
        if (cancelled()) {
            throw new GenerationCancelledException("the client went away");
        }
        return batches();
    }

    private GenerationListener listener(StableDiffusion sd, List<BufferedImage> partial) {
        return GenerationListener.onEachStep((StepProgress p) -> {
            step = p.step();
            totalSteps = p.totalSteps();
            if (cancelled()) {
                return false;
            }
            boolean stop = interrupted || skipped;
            if (stop || previewWanted) {
                List<BufferedImage> decoded = sd.decodeLatents(p.latents());
                preview = decoded.get(0);
                previewWanted = false;
                if (stop) {
                    partial.addAll(decoded);
                }
            }
            return !stop;
        });
    }

    private synchronized void add(Batch b) {
        batches.add(b);
    }

    synchronized List<Batch> batches() {
        return List.copyOf(batches);
    }

    /** Ends the job at its next step, keeping what it made (AUTOMATIC1111's interrupt). */
    void interrupt() {
        interrupted = true;
    }

    /** Ends the current batch at its next step and goes on with the next (AUTOMATIC1111's skip). */
    void skip() {
        skipped = true;
    }

    /** From now on the job is cancelled (stops at its next step or wait tick, keeps nothing) once this client is gone. */
    void watch(ClientWatch client) {
        this.client = client;
    }

    /** Asks for a preview of the current latents at the next step. */
    void wantPreview() {
        previewWanted = true;
    }

    boolean running() {
        return startedAt != 0;
    }

    /** Whether the client went away; asks the watch, so each step and each wait tick looks at the connection. */
    boolean cancelled() {
        if (!cancelled && client.gone()) {
            cancelled = true;
        }
        return cancelled;
    }

    boolean interrupted() {
        return interrupted;
    }

    boolean skipped() {
        return skipped;
    }

    long startedAt() {
        return startedAt;
    }

    int batchIndex() {
        return batch;
    }

    int step() {
        return step;
    }

    /** Steps of the current batch: the U-Net calls as the pipeline counts them, or the request's steps before the first. */
    int totalSteps() {
        return totalSteps == 0 ? spec.request().steps() : totalSteps;
    }

    /** The first batch's per-step trace, when the request asked for it. */
    Optional<StepTrace> trace() {
        return Optional.ofNullable(trace);
    }

    BufferedImage preview() {
        return preview;
    }
}
