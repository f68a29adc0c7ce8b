package dev.torchsd.server;

/**
 * What one request may ask for, checked before it is queued (the model's own limits are checked by
 * {@code StableDiffusion.resolve} after these).
 *
 * @param maxPixels the largest width x height of one image
 * @param maxSteps  the most sampling steps
 * @param maxBatch  the most images per batch (batch_size)
 * @param maxIter   the most batches per request (n_iter)
 */
public record Limits(long maxPixels, int maxSteps, int maxBatch, int maxIter) {
    public static final Limits DEFAULT = new Limits(1024L * 1024, 150, 8, 16);

    public Limits {
        if (maxPixels < 1 || maxSteps < 1 || maxBatch < 1 || maxIter < 1) {
            throw new IllegalArgumentException("limits must be at least 1: " + maxPixels + " pixels, " + maxSteps
                    + " steps, batch " + maxBatch + ", n_iter " + maxIter);
        }
    }

    /** Throws a 422 naming the first field over its limit. */
    void check(SdRequest t) {
        var r = t.request();
        long pixels = (long) r.width().getAsInt() * r.height().getAsInt();
        if (pixels > maxPixels) {
            throw new FieldException(
                    "width", "width x height is " + pixels + " pixels; this server allows at most " + maxPixels);
        }
        if (r.hiresFix().isPresent()) {
            var fix = r.hiresFix().get();
            long hires = ((long) (r.width().getAsInt() * fix.scale()))
                    * ((long) (r.height().getAsInt() * fix.scale()));
            if (hires > maxPixels) {
                throw new FieldException(
                        "hr_scale",
                        "the hires fix makes " + hires + " pixels; this server allows at most " + maxPixels);
            }
            if (fix.steps() > maxSteps) {
                throw new FieldException(
                        "hr_second_pass_steps",
                        "hr_second_pass_steps must be at most " + maxSteps + " on this server, got " + fix.steps());
            }
        }
        if (r.steps() > maxSteps) {
            throw new FieldException(
                    "steps", "steps must be at most " + maxSteps + " on this server, got " + r.steps());
        }
        if (r.batchSize() > maxBatch) {
            throw new FieldException(
                    "batch_size", "batch_size must be at most " + maxBatch + " on this server, got " + r.batchSize());
        }
        if (t.iterations() > maxIter) {
            throw new FieldException(
                    "n_iter", "n_iter must be at most " + maxIter + " on this server, got " + t.iterations());
        }
    }
}
