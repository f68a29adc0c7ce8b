package dev.torchsd.prompt;

import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.prompt.PromptNode.Alternation;
import dev.torchsd.prompt.PromptNode.Break;
import dev.torchsd.prompt.PromptNode.Edit;
import dev.torchsd.prompt.PromptNode.Emphasis;
import dev.torchsd.prompt.PromptNode.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which prompt applies at which step, for a prompt with prompt editing and alternation, following
 * AUTOMATIC1111's schedule:
 * <ul>
 *   <li>a {@code when} with a decimal point is a fraction of the steps ({@code 0.4} of 20 = 8,
 *       truncated), one without is a step count; it must lie in 0..1 or 0..steps;</li>
 *   <li>the schedule's entries end at every distinct {@code when} (0 excluded) and at {@code steps};
 *       an alternation adds an entry for every step 1..steps, taking option (step - 1) mod n;</li>
 *   <li>an entry ending at step {@code e} holds the prompt with each edit {@code [from:to:when]}
 *       resolved to {@code from} when {@code e <= when}, else {@code to};</li>
 *   <li>the sampler's step {@code i} (counted from 0) uses the first entry with {@code i <= e}:
 *       {@code [a:b:4]} gives {@code a} for steps 0..4 and {@code b} from step 5, as AUTOMATIC1111
 *       does.</li>
 * </ul>
 */
public final class PromptSchedule {

    /** One prompt of the schedule: used up to and including step {@code endAtStep}. */
    public record Entry(int endAtStep, List<Fragment> fragments, String text) {}

    private final List<Entry> entries;

    private PromptSchedule(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * A plain prompt (diffusers' reading, no syntax): the whole text, weight 1, at every step. The
     * trivial schedule, so plain and AUTOMATIC1111 prompts share one conditioning path.
     */
    public static PromptSchedule plain(String prompt, int steps) {
        List<Fragment> fragments = prompt.isEmpty() ? List.of() : List.of(Fragment.text(prompt, 1.0));
        return new PromptSchedule(List.of(new Entry(steps, fragments, prompt)));
    }

    /** The schedule of {@code prompt} as {@code syntax} reads it; errors name the prompt {@code label}. */
    public static PromptSchedule read(String prompt, int steps, PromptSyntax syntax, String label) {
        return syntax.a1111() ? of(prompt, steps, label) : plain(prompt, steps);
    }

    /** Parses {@code prompt} and resolves it for {@code steps} sampling steps. */
    public static PromptSchedule of(String prompt, int steps) {
        return of(prompt, steps, "prompt");
    }

    /** As {@link #of(String, int)}; errors name the prompt {@code label} ("prompt", "negative prompt"). */
    public static PromptSchedule of(String prompt, int steps, String label) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        List<PromptNode> nodes = PromptParser.parse(prompt, label);
        Source source = new Source(prompt, label);
        TreeSet<Integer> ends = new TreeSet<>();
        ends.add(steps);
        collectEnds(nodes, source, steps, ends);
        List<Entry> entries = new ArrayList<>();
        for (int end : ends) {
            entries.add(new Entry(end, fragmentsAt(nodes, end, steps, source), textAt(nodes, end, steps, source)));
        }
        return new PromptSchedule(entries);
    }

    /** The prompt text and its name, for error messages. */
    record Source(String prompt, String label) {}

    public List<Entry> entries() {
        return entries;
    }

    /** The entry for the sampler's step {@code step} (0-based). */
    public Entry atStep(int step) {
        for (Entry e : entries) {
            if (step <= e.endAtStep()) {
                return e;
            }
        }
        return entries.get(entries.size() - 1);
    }

    /**
     * The weighted fragments of a prompt without schedule (or at its last step): what
     * AUTOMATIC1111's {@code parse_prompt_attention} returns.
     */
    public static List<Fragment> fragments(String prompt) {
        return fragmentsAt(
                PromptParser.parse(prompt), Integer.MAX_VALUE, Integer.MAX_VALUE, new Source(prompt, "prompt"));
    }

    /** The step an edit switches at, for {@code steps} steps; checks its range. */
    static int resolveWhen(Edit edit, int steps, Source prompt) {
        if (edit.fraction()) {
            if (!(edit.when() >= 0 && edit.when() <= 1)) {
                throw new PromptSyntaxException(
                        prompt.prompt(),
                        prompt.label(),
                        edit.position(),
                        "the 'when' " + edit.whenSource()
                                + " of a prompt edit is a fraction (it has a decimal point) and must lie in 0..1");
            }
            return (int) (edit.when() * steps);
        }
        if (edit.when() < 0 || edit.when() > steps) {
            throw new PromptSyntaxException(
                    prompt.prompt(),
                    prompt.label(),
                    edit.position(),
                    "the 'when' " + edit.whenSource()
                            + " of a prompt edit is a step and must lie in 0.." + steps + " (the number of steps);"
                            + " write a fraction like 0.5 for a share of the steps");
        }
        return (int) edit.when();
    }

    private static void collectEnds(
            List<PromptNode> nodes, Source prompt, int steps, java.util.SortedSet<Integer> ends) {
        for (PromptNode node : nodes) {
            if (node instanceof Emphasis e) {
                collectEnds(e.body(), prompt, steps, ends);
            } else if (node instanceof Edit e) {
                int when = resolveWhen(e, steps, prompt);
                if (when >= 1) {
                    ends.add(when);
                }
                collectEnds(e.from(), prompt, steps, ends);
                collectEnds(e.to(), prompt, steps, ends);
            } else if (node instanceof Alternation a) {
                for (int s = 1; s <= steps; s++) {
                    ends.add(s);
                }
                a.options().forEach(o -> collectEnds(o, prompt, steps, ends));
            }
        }
    }

    /** The fragments at schedule step {@code step} (1-based, as an entry's end), equal weights merged. */
    static List<Fragment> fragmentsAt(List<PromptNode> nodes, int step, int steps, Source prompt) {
        List<Fragment> raw = new ArrayList<>();
        flatten(nodes, step, steps, prompt, raw);
        List<Fragment> merged = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Fragment run = null; // the first fragment of the run being merged
        for (Fragment f : raw) {
            if (run != null && !run.isBreak() && !f.isBreak() && run.weight() == f.weight()) {
                text.append(f.text());
                continue;
            }
            if (run != null) {
                merged.add(run.isBreak() ? run : Fragment.text(text.toString(), run.weight()));
            }
            run = f;
            text.setLength(0);
            text.append(f.isBreak() ? "" : f.text());
        }
        if (run != null) {
            merged.add(run.isBreak() ? run : Fragment.text(text.toString(), run.weight()));
        }
        return merged;
    }

    private static void flatten(List<PromptNode> nodes, int step, int steps, Source prompt, List<Fragment> out) {
        for (PromptNode node : nodes) {
            if (node instanceof Text t) {
                out.add(Fragment.text(t.literal(), 1.0));
            } else if (node instanceof Break) {
                out.add(Fragment.BREAK);
            } else if (node instanceof Emphasis e) {
                List<Fragment> body = new ArrayList<>();
                flatten(e.body(), step, steps, prompt, body);
                body.forEach(f -> out.add(f.times(e.multiplier())));
            } else if (node instanceof Edit e) {
                flatten(step <= whenAt(e, steps, prompt) ? e.from() : e.to(), step, steps, prompt, out);
            } else if (node instanceof Alternation a) {
                flatten(option(a, step), step, steps, prompt, out);
            }
        }
    }

    /** The prompt at schedule step {@code step} written back as text, as AUTOMATIC1111's schedule shows it. */
    static String textAt(List<PromptNode> nodes, int step, int steps, Source prompt) {
        StringBuilder out = new StringBuilder();
        for (PromptNode node : nodes) {
            if (node instanceof Text t) {
                out.append(t.source());
            } else if (node instanceof Break b) {
                out.append(b.source());
            } else if (node instanceof Emphasis e) {
                out.append(e.open())
                        .append(textAt(e.body(), step, steps, prompt))
                        .append(e.close());
            } else if (node instanceof Edit e) {
                out.append(textAt(step <= whenAt(e, steps, prompt) ? e.from() : e.to(), step, steps, prompt));
            } else if (node instanceof Alternation a) {
                out.append(textAt(option(a, step), step, steps, prompt));
            }
        }
        return out.toString();
    }

    /** The option of an alternation at schedule step {@code step} (1-based); the last one without a schedule. */
    private static List<PromptNode> option(Alternation a, int step) {
        int n = a.options().size();
        return a.options().get(step == Integer.MAX_VALUE ? n - 1 : Math.floorMod(step - 1, n));
    }

    /** Without a schedule (steps = MAX_VALUE) every edit shows its final prompt. */
    private static int whenAt(Edit e, int steps, Source prompt) {
        return steps == Integer.MAX_VALUE ? -1 : resolveWhen(e, steps, prompt);
    }
}
