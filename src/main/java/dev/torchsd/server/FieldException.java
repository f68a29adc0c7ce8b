package dev.torchsd.server;

import java.util.List;
import java.util.Locale;

/** A request field with a value the server cannot use: HTTP 422, naming the field as FastAPI does. */
final class FieldException extends ApiException {
    private static final long serialVersionUID = 1L;

    /** torchsd's wording of a RequestException's subject, and the AUTOMATIC1111 field it is about (longest first). */
    private static final List<String[]> SUBJECTS = List.of(
            new String[] {"negative clip skip", "override_settings.CLIP_stop_at_last_layers"},
            new String[] {"clip skip", "override_settings.CLIP_stop_at_last_layers"},
            new String[] {"negative start", "negative_start"},
            new String[] {"negative end", "negative_end"},
            new String[] {"guidance scale", "cfg_scale"},
            new String[] {"unknown scheduler", "sampler_name"},
            new String[] {"hires fix", "enable_hr"},
            new String[] {"hires scale", "hr_scale"},
            new String[] {"hires width", "hr_scale"},
            new String[] {"hires height", "hr_scale"},
            new String[] {"hires strength", "denoising_strength"},
            new String[] {"hires steps", "hr_second_pass_steps"},
            new String[] {"strength", "denoising_strength"},
            new String[] {"mask blur", "mask_blur"},
            new String[] {"masked padding", "inpaint_full_res_padding"},
            new String[] {"no lora named", "prompt"},
            new String[] {"batch size", "batch_size"},
            new String[] {"width", "width"},
            new String[] {"height", "height"},
            new String[] {"steps", "steps"},
            new String[] {"seed", "seed"});

    private final String field;

    FieldException(String field, String message) {
        super(422, message);
        this.field = field;
    }

    /** The field, with dots between nested names (override_settings.CLIP_stop_at_last_layers). */
    String field() {
        return field;
    }

    /** A model's refusal of a request, on the field its message is about ("body" when none is named). */
    static FieldException of(String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("of the negative prompt")) {
            return new FieldException("negative_prompt", message);
        }
        if (lower.contains("of the prompt")) {
            return new FieldException("prompt", message);
        }
        for (String[] subject : SUBJECTS) {
            if (lower.startsWith(subject[0])) {
                return new FieldException(subject[1], message);
            }
        }
        if (lower.contains("steps")) {
            return new FieldException("steps", message);
        }
        if (lower.contains("scheduler")) {
            return new FieldException("sampler_name", message);
        }
        return new FieldException("body", message);
    }
}
