package dev.torchsd.pipeline;

/**
 * A point in the denoising schedule, given either as a step index ("10") or as a fraction of the
 * steps ("0.4", "40%"). Resolved against the request's step count.
 *
 * @param value    the step index, or the fraction of the steps
 * @param fraction whether {@code value} is a fraction (0..1) rather than a step index
 */
public record StepPoint(double value, boolean fraction) {

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
     * Reads a point: "10" is step 10; "0.4", "0.0", "1.0" and "40%" are fractions of the steps.
     *
     * @param text a whole number, a decimal number, or a percentage
     * @return the point; its range is checked when it is resolved
     * @throws RequestException naming the text if it is not a number
     */
    public static StepPoint parse(String text) {
        String s = text.trim();
        try {
            if (s.endsWith("%")) {
                return fraction(Double.parseDouble(s.substring(0, s.length() - 1).trim()) / 100.0);
            }
            if (s.contains(".") || s.contains("e") || s.contains("E")) {
                return fraction(Double.parseDouble(s));
            }
            return step(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            throw new RequestException("'" + text + "' is neither a step index (e.g. 10) nor a fraction of the steps"
                    + " (e.g. 0.4 or 40%)");
        }
    }

    /**
     * The position in steps (0..steps) this point stands for; checks the range.
     *
     * @param steps the request's steps
     * @param what the setting's name, for the error message (e.g. "negative start")
     * @return the position, in steps
     * @throws RequestException naming {@code what} if a step index is outside 0..steps or a fraction outside 0..1
     */
    public double resolve(int steps, String what) {
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
        return fraction ? Double.toString(value) : Long.toString((long) value);
    }
}
