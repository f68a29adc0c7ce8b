package dev.torchsd.server;

import dev.torchsd.error.TorchsdException;
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
    static FieldException of(TorchsdException e) {
        String message = e.getMessage();
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
