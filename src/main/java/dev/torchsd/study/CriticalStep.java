package dev.torchsd.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One seed's measured critical step, read from the study's fixed starts (the reference counts as a start at
 * the last step), and where each automatic start landed for that seed.
 *
 * @param seed        the seed
 * @param critical    the earliest measured start from which on the negated attribute shows at every later start
 *                    and without the negative prompt: from there the negative prompt comes too late; NaN when the
 *                    image without the negative prompt does not show it (then no start is too late)
 * @param latestSafe  the measured start before {@code critical}, the latest that still removed the attribute (the
 *                    steps when no start is too late; NaN when even the first start is)
 * @param landings    the seed's automatic starts
 */
public record CriticalStep(long seed, double critical, double latestSafe, List<Landing> landings) {

    /**
     * Where an automatic start landed.
     *
     * @param start          its label, e.g. "auto"
     * @param step           the step it picked
     * @param negatedPresent whether the negated attribute shows in its image
     * @param keptFraction   the share of the other attributes kept
     */
    public record Landing(String start, double step, boolean negatedPresent, double keptFraction) {}

    static List<CriticalStep> of(List<StudyRow> rows, int steps) {
        Map<Long, List<StudyRow>> bySeed = new LinkedHashMap<>();
        rows.forEach(
                r -> bySeed.computeIfAbsent(r.seed(), k -> new ArrayList<>()).add(r));
        List<CriticalStep> result = new ArrayList<>();
        bySeed.forEach((seed, list) -> {
            List<StudyRow> measured = list.stream()
                    .filter(r -> !r.start().startsWith("auto"))
                    .sorted(Comparator.comparingDouble(StudyRow::startStep))
                    .toList();
            int first = measured.size(); // the start of the trailing run of starts that show the attribute
            while (first > 0 && measured.get(first - 1).negatedPresent()) {
                first--;
            }
            double critical = first < measured.size() ? measured.get(first).startStep() : Double.NaN;
            double latestSafe = first == measured.size()
                    ? steps
                    : first == 0 ? Double.NaN : measured.get(first - 1).startStep();
            List<Landing> landings = list.stream()
                    .filter(r -> r.start().startsWith("auto"))
                    .map(r -> new Landing(r.start(), r.startStep(), r.negatedPresent(), r.keptFraction()))
                    .toList();
            result.add(new CriticalStep(seed, critical, latestSafe, landings));
        });
        return List.copyOf(result);
    }
}
