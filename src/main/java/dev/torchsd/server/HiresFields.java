package dev.torchsd.server;

import dev.torchsd.pipeline.HiresFix;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * AUTOMATIC1111's hires fix fields of txt2img read into the library's {@link HiresFix}: enable_hr,
 * hr_scale (default 2), hr_resize_x / hr_resize_y (a target size of the request's aspect ratio),
 * hr_upscaler, hr_second_pass_steps and denoising_strength (default 0.7). A second pass with
 * another prompt, sampler, scheduler or checkpoint is refused: torchsd's runs with the first's.
 */
final class HiresFields {
    /** AUTOMATIC1111's default hr_scale. */
    static final double DEFAULT_SCALE = 2.0;
    /** The upscalers hr_upscaler may name, as {@code /upscalers} and {@code /latent-upscale-modes} list them. */
    static final List<String> LATENT_MODES = List.of("Latent", "Latent (nearest)");

    static final List<String> IMAGE_UPSCALERS = List.of("None", "Lanczos");

    /** Second-pass fields whose "same as the first pass" values are these (or empty). */
    private static final List<String> SAME = List.of("use same sampler", "use same scheduler", "use same checkpoint");

    private HiresFields() {}

    /** The hires fix of a txt2img body, or empty when enable_hr is false or missing. */
    static Optional<HiresFix> read(JsonBody body, int width, int height) {
        if (!body.bool("enable_hr", false)) {
            return Optional.empty();
        }
        for (String field : List.of("hr_sampler_name", "hr_scheduler", "hr_checkpoint_name")) {
            String value = body.string(field, "").strip();
            if (!value.isEmpty() && !SAME.contains(value.toLowerCase(Locale.ROOT))) {
                throw new FieldException(
                        field,
                        "torchsd's second pass uses the first's; send \"\" or leave " + field + " out, got " + value);
            }
        }
        for (String[] pair : new String[][] {{"hr_prompt", "prompt"}, {"hr_negative_prompt", "negative_prompt"}}) {
            String value = body.string(pair[0], "");
            if (!value.isEmpty() && !value.equals(body.string(pair[1], ""))) {
                throw new FieldException(
                        pair[0],
                        "torchsd's second pass uses the " + pair[1] + "; send \"\" or leave " + pair[0] + " out");
            }
        }
        return Optional.of(new HiresFix(
                scale(body, width, height),
                body.number("denoising_strength", HiresFix.DEFAULT_STRENGTH),
                body.smallInteger("hr_second_pass_steps", 0),
                upscaler(body.string("hr_upscaler", ""))));
    }

    /** hr_scale, or the factor hr_resize_x / hr_resize_y give (both: the same factor, as torchsd does not crop). */
    private static double scale(JsonBody body, int width, int height) {
        int x = body.smallInteger("hr_resize_x", 0);
        int y = body.smallInteger("hr_resize_y", 0);
        if (x == 0 && y == 0) {
            return body.number("hr_scale", DEFAULT_SCALE);
        }
        double sx = x / (double) width;
        double sy = y / (double) height;
        if (x != 0 && y != 0 && (int) (width * sy) != x) {
            throw new FieldException(
                    "hr_resize_y",
                    "torchsd's hires fix keeps the aspect ratio: " + width + "x" + height + " cannot become " + x + "x"
                            + y + "; give one of hr_resize_x, hr_resize_y, or hr_scale");
        }
        return x != 0 ? sx : sy;
    }

    private static HiresFix.Upscaler upscaler(String name) {
        return switch (name.strip()) {
            case "", "Latent" -> HiresFix.Upscaler.LATENT;
            case "Latent (nearest)" -> HiresFix.Upscaler.LATENT_NEAREST;
            case "None", "Lanczos" -> HiresFix.Upscaler.LANCZOS;
            default ->
                throw new FieldException(
                        "hr_upscaler",
                        "hr_upscaler must be one of " + String.join(", ", LATENT_MODES) + ", "
                                + String.join(", ", IMAGE_UPSCALERS) + "; got " + name);
        };
    }
}
