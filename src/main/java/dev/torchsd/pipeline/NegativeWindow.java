package dev.torchsd.pipeline;

/**
 * When the negative prompt is used: from {@code start} (inclusive) to {@code end} (exclusive), in
 * steps. Outside the window the unconditional branch of guidance uses the empty prompt, as if
 * there were no negative prompt. Holding the negative prompt back for the first steps avoids its
 * "reverse activation" (arXiv:2406.02965): early on it can draw what it should prevent.
 *
 * <p>A U-Net call's position is {@code call * steps / calls}: the step index itself for samplers
 * with one call per step, proportional for those with more (PNDM's extra first call, Heun's two).
 * So start 0 means every call, start = steps means none.
 *
 * @param start the first step position with the negative prompt
 * @param end   the step position from which the empty prompt is used again
 */
public record NegativeWindow(StepPoint start, StepPoint end) {
    /** The negative prompt at every call (the default). */
    public static final NegativeWindow ALWAYS = new NegativeWindow(StepPoint.step(0), StepPoint.fraction(1.0));

    /**
     * The window in step positions for a request of {@code steps} steps; checks the bounds and their order.
     *
     * @param steps the request's steps
     * @return the window in step positions
     * @throws RequestException if a bound is outside 0..steps (or 0..1 for a fraction) or start is after end
     */
    public Resolved resolve(int steps) {
        double from = start.resolve(steps, "negative start");
        double to = end.resolve(steps, "negative end");
        if (from > to) {
            throw new RequestException("negative start (" + start + ") is after negative end (" + end + ")");
        }
        return new Resolved(from, to, steps, start.pending());
    }

    /**
     * A window in step positions.
     *
     * @param from      the first position with the negative prompt, in steps
     * @param to        the first position after it, in steps
     * @param steps     the request's steps
     * @param autoStart whether the start is {@link StepPoint#AUTO}: the generation moves {@code from} later
     *                  (the window may then use the negative prompt at no call)
     */
    public record Resolved(double from, double to, int steps, boolean autoStart) {
        /**
         * Whether U-Net call {@code call} of {@code calls} uses the negative prompt.
         *
         * @param call the U-Net call, from 0
         * @param calls the U-Net calls of the request
         * @return whether the call's position ({@code call * steps / calls}) is in the window
         */
        public boolean activeAt(int call, int calls) {
            double position = (double) call * steps / calls;
            return position >= from && position < to;
        }

        /**
         * Whether every call uses the negative prompt.
         *
         * @return true when the window covers 0..steps
         */
        public boolean always() {
            return from <= 0 && to >= steps && !autoStart;
        }

        /**
         * Whether no call uses the negative prompt.
         *
         * @return true when the window is empty
         */
        public boolean never() {
            return from >= to;
        }
    }
}
