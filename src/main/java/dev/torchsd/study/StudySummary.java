package dev.torchsd.study;

import dev.torchsd.image.ImageDifference;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One start of a {@link NegativeTimingStudy} over all seeds.
 *
 * @param start              the start's label (see {@link StudyRow#start()})
 * @param startFraction      where it starts, as a fraction of the steps (auto: the mean of the picked steps)
 * @param seeds              how many seeds
 * @param negatedRate        the share of images showing the negated attribute
 * @param keptRate           the mean share of the other attributes kept
 * @param keptByAttribute    per other attribute, the share of images where it is kept
 * @param meanAbsDifference  mean of the mean absolute pixel differences to the reference
 * @param psnr               PSNR in dB of the mean squared error to the reference (infinite: identical)
 */
public record StudySummary(
        String start,
        double startFraction,
        int seeds,
        double negatedRate,
        double keptRate,
        Map<String, Double> keptByAttribute,
        double meanAbsDifference,
        double psnr) {

    static StudySummary of(String start, List<StudyRow> rows, int steps) {
        Map<String, Double> byAttribute = new LinkedHashMap<>();
        for (String attribute : rows.get(0).kept().keySet()) {
            byAttribute.put(
                    attribute,
                    mean(rows.stream()
                            .mapToDouble(r -> r.kept().get(attribute) ? 1 : 0)
                            .toArray()));
        }
        return new StudySummary(
                start,
                mean(rows.stream().mapToDouble(StudyRow::startStep).toArray()) / steps,
                rows.size(),
                mean(rows.stream().mapToDouble(r -> r.negatedPresent() ? 1 : 0).toArray()),
                mean(rows.stream().mapToDouble(StudyRow::keptFraction).toArray()),
                byAttribute,
                mean(rows.stream().mapToDouble(StudyRow::meanAbsDifference).toArray()),
                ImageDifference.psnr(mean(
                        rows.stream().mapToDouble(StudyRow::meanSquaredError).toArray())));
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
