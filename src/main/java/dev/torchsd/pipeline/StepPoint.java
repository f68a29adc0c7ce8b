package dev.torchsd.pipeline;

/**
 * A point in the denoising schedule, given either as a step index ("10") or as a fraction of the
 * steps ("0.4", "40%"), or, as a negative start only, "auto": the step the generation picks itself
 * (docs/negative-prompts.md, "Automatic start"). Resolved against the request's step count.
 *
 * @param value    the step index, or the fraction of the steps
 * @param fraction whether {@code value} is a fraction (0..1) rather than a step index
 * @param auto     whether the generation picks the step; {@link #AUTO} before it has, {@link #autoChosen}
 *                 after (a result's request: the step it picked, which reproduces the generation)
 */
public record StepPoint(double value, boolean fraction, boolean auto) {

    /**
     * The negative start the generation picks: the step after the first two calls in a row at which the negative
     * prompt's own effect no longer pulls clearly away from the positive prompt's content (alignment above -0.25,
     * docs/negative-prompts.md).
     */
    public static final StepPoint AUTO = new StepPoint(Double.NaN, false, true);

    /**
     * A fixed point (not automatic).
     *
     * @param value    the step index, or the fraction of the steps
     * @param fraction whether {@code value} is a fraction (0..1) rather than a step index
     */
    public StepPoint(double value, boolean fraction) {
        this(value, fraction, false);
    }

    /**
     * The step an automatic start picked.
     *
     * @param step the step it picked
     * @return the point, marked as chosen automatically
     */
    public static StepPoint autoChosen(int step) {
        return new StepPoint(step, false, true);
    }

    /**
     * A step index.
     *
     * @param index the step, from 0 to the request's steps
     * @return the point; its range is checked when it is resolved
     */
    public static StepPoint step(int index) {
        return new StepPoint(index, false);
    }

    /**
     * A fraction of the steps.
     *
     * @param f from 0 (the first step) to 1 (after the last)
     * @return the point; its range is checked when it is resolved
     */
    public static StepPoint fraction(double f) {
        return new StepPoint(f, true);
    }

    /**
     * Reads a point: "10" is step 10; "0.4", "0.0", "1.0" and "40%" are fractions of the steps; "auto" is
     * {@link #AUTO}.
     *
     * @param text a whole number, a decimal number, a percentage or "auto"
     * @return the point; its range is checked when it is resolved
     * @throws RequestException naming the text if it is not a number
     */
    public static StepPoint parse(String text) {
        String s = text.trim();
        if (s.equalsIgnoreCase("auto")) {
            return AUTO;
        }
        try {
            if (s.endsWith("%")) {
                return fraction(
                        Double.parseDouble(s.substring(0, s.length() - 1).trim()) / 100.0);
            }
            if (s.contains(".") || s.contains("e") || s.contains("E")) {
                return fraction(Double.parseDouble(s));
            }
            return step(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            throw new RequestException("'" + text + "' is neither a step index (e.g. 10), a fraction of the steps"
                    + " (e.g. 0.4 or 40%) nor auto");
        }
    }

    /**
     * Whether the generation still has to pick this point ({@link #AUTO}).
     *
     * @return true for {@link #AUTO} before a generation picked its step
     */
    public boolean pending() {
        return auto && Double.isNaN(value);
    }

    /**
     * The position in steps (0..steps) this point stands for ({@link #AUTO}: 0, the earliest it can pick); checks
     * the range.
     *
     * @param steps the request's steps
     * @param what the setting's name, for the error message (e.g. "negative start")
     * @return the position, in steps
     * @throws RequestException naming {@code what} if a step index is outside 0..steps or a fraction outside 0..1
     */
    public double resolve(int steps, String what) {
        if (pending()) {
            return 0;
        }
        if (fraction) {
            if (!(value >= 0 && value <= 1)) {
                throw new RequestException(what + " must be a fraction in 0..1, got " + value);
            }
            return value * steps;
        }
        if (value < 0 || value > steps) {
            throw new RequestException(what + " must be a step index in 0.." + steps + ", got " + (long) value);
        }
        return value;
    }

    @Override
    public String toString() {
        if (auto) {
            return pending() ? "auto" : "auto (step " + (long) value + ")";
        }
        return fraction ? Double.toString(value) : Long.toString((long) value);
    }
}
