package dev.torchsd.study;

import dev.torchsd.generation.NegativeAlignment;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/**
 * The three-way trace of one start over all seeds: per U-Net call that used the negative prompt, the mean and
 * the standard deviation over the seeds of the negative prompt's own effect and of its alignment with the
 * positive prompt's content ({@link NegativeAlignment}).
 *
 * @param start  the start's label (see {@link StudyRow#start()})
 * @param points one per call, in call order
 */
public record ThreeWayCurve(String start, List<Point> points) {

    /**
     * One call over the seeds.
     *
     * @param call          the U-Net call, from 0
     * @param step          its position in steps ({@code call * steps / calls})
     * @param seeds         how many seeds used the negative prompt at this call
     * @param effectMean    mean of {@code |eps(neg) - eps(empty)|}
     * @param effectSd      its standard deviation over the seeds
     * @param alignmentMean mean of {@code cos(eps(neg) - eps(empty), eps(pos) - eps(empty))}
     * @param alignmentSd   its standard deviation over the seeds
     */
    public record Point(
            int call,
            double step,
            int seeds,
            double effectMean,
            double effectSd,
            double alignmentMean,
            double alignmentSd) {}

    /** Records one generation's three-way measurements (it asks the loop for the empty prompt's prediction). */
    static final class Recorder implements GenerationListener {
        private final List<Measured> measured = new ArrayList<>();

        @Override
        public boolean wantsEmptyPrediction() {
            return true;
        }

        @Override
        public Tensor onPrediction(StepPrediction p) {
            if (p.epsEmpty() != null) {
                measured.add(new Measured(
                        p.call(),
                        (double) p.call() * p.steps() / p.calls(),
                        NegativeAlignment.of(p.epsEmpty(), p.epsNegative(), p.epsPositive())));
            }
            return null;
        }

        List<Measured> measured() {
            return List.copyOf(measured);
        }
    }

    /** One call of one generation. */
    record Measured(int call, double step, NegativeAlignment alignment) {}

    /** The curve of {@code start} from its generations' measurements (one list per seed). */
    static ThreeWayCurve of(String start, List<List<Measured>> seeds) {
        TreeMap<Integer, List<Measured>> byCall = new TreeMap<>();
        seeds.forEach(list -> list.forEach(
                m -> byCall.computeIfAbsent(m.call(), k -> new ArrayList<>()).add(m)));
        List<Point> points = new ArrayList<>();
        byCall.forEach((call, list) -> {
            double[] effect =
                    list.stream().mapToDouble(m -> m.alignment().effect()).toArray();
            double[] alignment =
                    list.stream().mapToDouble(m -> m.alignment().alignment()).toArray();
            points.add(new Point(
                    call,
                    list.get(0).step(),
                    list.size(),
                    StudySummary.mean(effect),
                    sd(effect),
                    StudySummary.mean(alignment),
                    sd(alignment)));
        });
        return new ThreeWayCurve(start, List.copyOf(points));
    }

    /** The population standard deviation (0 for one value). */
    private static double sd(double[] values) {
        double mean = StudySummary.mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / values.length);
    }
}
