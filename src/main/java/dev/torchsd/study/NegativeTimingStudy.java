package dev.torchsd.study;

import dev.torchsd.StableDiffusion;
import dev.torchsd.image.ImageDifference;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.StepPoint;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * When does a negative prompt act? For every seed, the request without its negative prompt (the
 * reference) and with it from each start; each image is read by a {@link StudyChecker}: does the
 * negated attribute show, are the other attributes the reference's, how far are the pixels from it.
 */
public final class NegativeTimingStudy {
    /** The label of the reference rows: no negative prompt. */
    public static final String NONE = "none";

    private final StableDiffusion sd;
    private final StudyChecker checker;
    private final boolean threeWay;

    public NegativeTimingStudy(StableDiffusion sd, StudyChecker checker) {
        this(sd, checker, false);
    }

    /**
     * @param threeWay also run the empty prompt at every call that uses the negative prompt (1.5x the U-Net
     *                 work there) and aggregate the three-way trace per start over the seeds ({@link ThreeWayCurve});
     *                 those images equal the two-way batch's up to float rounding of the larger batch
     */
    public NegativeTimingStudy(StableDiffusion sd, StudyChecker checker, boolean threeWay) {
        this.sd = Objects.requireNonNull(sd, "sd");
        this.checker = Objects.requireNonNull(checker, "checker");
        this.threeWay = threeWay;
    }

    /**
     * The study's findings.
     *
     * @param request   the resolved request (without a seed of its own)
     * @param negated   the attribute the negative prompt negates
     * @param rows      one per generation, by start, then seed
     * @param summaries one per start ("none" first)
     * @param curves    the three-way trace per start (empty unless the study ran three-way)
     */
    public record Result(
            GenerationRequest request,
            StudyChecker.Attribute negated,
            List<StudyRow> rows,
            List<StudySummary> summaries,
            List<ThreeWayCurve> curves) {

        /** Per seed: the measured critical step and where each automatic start landed ({@link CriticalStep}). */
        public List<CriticalStep> criticalSteps() {
            return CriticalStep.of(rows, request.steps());
        }
    }

    /**
     * Runs the study.
     *
     * @param request  prompt, negative prompt and sampling settings (its seed and negative window are replaced)
     * @param seeds    the seeds
     * @param starts   the negative starts to measure, e.g. fractions 0, 0.1, ..., 1 and {@link StepPoint#AUTO}
     * @param listener listens to every generation (e.g. one that cancels it)
     * @param progress told about each generation before it starts (e.g. "start 0.2, seed 3")
     */
    public Result run(
            GenerationRequest request,
            List<Long> seeds,
            List<StepPoint> starts,
            GenerationListener listener,
            Consumer<String> progress) {
        if (request.negativePrompt().isEmpty()) {
            throw new IllegalArgumentException("a negative-timing study needs a negative prompt");
        }
        if (seeds.isEmpty() || starts.isEmpty()) {
            throw new IllegalArgumentException("a negative-timing study needs at least one seed and one start");
        }
        GenerationRequest base = sd.resolve(request);
        for (StepPoint start : starts) {
            sd.resolve(base.withNegativeStart(start)); // every start checked before any work
        }
        StudyChecker.Attribute negated = checker.negated(base.negativePrompt());
        int steps = base.steps();
        Map<String, List<StudyRow>> byStart = new LinkedHashMap<>();
        Map<String, List<List<ThreeWayCurve.Measured>>> traces = new LinkedHashMap<>();
        for (long seed : seeds) {
            progress.accept(NONE + ", seed " + seed);
            BufferedImage reference = sd.generate(base.withSeed(seed).withNegativePrompt(""), listener)
                    .image();
            Map<String, String> referenceAttributes = checker.read(reference);
            byStart.computeIfAbsent(NONE, k -> new ArrayList<>())
                    .add(measure(NONE, seed, steps, reference, negated, reference, referenceAttributes));
            for (StepPoint start : starts) {
                String label = start.toString();
                progress.accept("start " + label + ", seed " + seed);
                ThreeWayCurve.Recorder recorder = threeWay ? new ThreeWayCurve.Recorder() : null;
                GenerationResult result = sd.generate(
                        base.withSeed(seed).withNegativeStart(start),
                        recorder == null ? listener : GenerationListener.all(recorder, listener));
                if (recorder != null) {
                    traces.computeIfAbsent(label, k -> new ArrayList<>()).add(recorder.measured());
                }
                double startStep = result.request().negativeWindow().start().resolve(steps, "negative start");
                byStart.computeIfAbsent(label, k -> new ArrayList<>())
                        .add(measure(label, seed, startStep, result.image(), negated, reference, referenceAttributes));
            }
        }
        List<StudyRow> rows = new ArrayList<>();
        List<StudySummary> summaries = new ArrayList<>();
        byStart.forEach((label, list) -> {
            rows.addAll(list);
            summaries.add(StudySummary.of(label, list, steps));
        });
        List<ThreeWayCurve> curves = new ArrayList<>();
        traces.forEach((label, measured) -> curves.add(ThreeWayCurve.of(label, measured)));
        return new Result(base, negated, List.copyOf(rows), List.copyOf(summaries), List.copyOf(curves));
    }

    private StudyRow measure(
            String label,
            long seed,
            double startStep,
            BufferedImage image,
            StudyChecker.Attribute negated,
            BufferedImage reference,
            Map<String, String> referenceAttributes) {
        Map<String, String> attributes = checker.read(image);
        Map<String, Boolean> kept = new LinkedHashMap<>();
        referenceAttributes.forEach((name, value) -> {
            if (!name.equals(negated.name())) {
                kept.put(name, Objects.equals(value, attributes.get(name)));
            }
        });
        ImageDifference difference = ImageDifference.of(image, reference);
        return new StudyRow(
                label,
                seed,
                startStep,
                attributes,
                negated.value().equals(attributes.get(negated.name())),
                kept,
                difference.meanAbsolute(),
                difference.meanSquared());
    }
}
