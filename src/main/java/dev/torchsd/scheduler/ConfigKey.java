package dev.torchsd.scheduler;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.Locale;

/**
 * Every scheduler config key torchsd knows, by diffusers' name ({@link #key}), with the JSON type of its
 * value. Which scheduler reads a key, and with which default, is declared once per scheduler in its
 * config record, as diffusers declares it in that scheduler's {@code __init__} ({@link TrainingConfig} for
 * the keys all of them have).
 */
enum ConfigKey {
    // the training noise schedule and the timestep rule: TrainingConfig
    NUM_TRAIN_TIMESTEPS(Kind.INT),
    BETA_START(Kind.NUMBER),
    BETA_END(Kind.NUMBER),
    BETA_SCHEDULE(Kind.STRING),
    TRAINED_BETAS(Kind.NUMBER_LIST),
    PREDICTION_TYPE(Kind.STRING),
    TIMESTEP_SPACING(Kind.STRING),
    STEPS_OFFSET(Kind.INT),
    RESCALE_BETAS_ZERO_SNR(Kind.BOOLEAN),
    // the x0 clamps: Thresholding
    CLIP_SAMPLE(Kind.BOOLEAN),
    CLIP_SAMPLE_RANGE(Kind.NUMBER),
    THRESHOLDING(Kind.BOOLEAN),
    DYNAMIC_THRESHOLDING_RATIO(Kind.NUMBER),
    SAMPLE_MAX_VALUE(Kind.NUMBER),
    // DDIM, DDPM, PNDM
    SET_ALPHA_TO_ONE(Kind.BOOLEAN),
    SKIP_PRK_STEPS(Kind.BOOLEAN),
    VARIANCE_TYPE(Kind.STRING),
    ETA(Kind.NUMBER),
    // the noise levels of the k-diffusion samplers: SigmaConfig
    USE_KARRAS_SIGMAS(Kind.BOOLEAN),
    USE_EXPONENTIAL_SIGMAS(Kind.BOOLEAN),
    USE_BETA_SIGMAS(Kind.BOOLEAN),
    USE_FLOW_SIGMAS(Kind.BOOLEAN),
    SIGMA_MIN(Kind.NUMBER),
    SIGMA_MAX(Kind.NUMBER),
    FINAL_SIGMAS_TYPE(Kind.STRING),
    INTERPOLATION_TYPE(Kind.STRING),
    TIMESTEP_TYPE(Kind.STRING),
    // the exponential-integrator solvers: SolverConfig
    SOLVER_ORDER(Kind.INT),
    ALGORITHM_TYPE(Kind.STRING),
    SOLVER_TYPE(Kind.STRING),
    LOWER_ORDER_FINAL(Kind.BOOLEAN),
    EULER_AT_FINAL(Kind.BOOLEAN),
    USE_LU_LAMBDAS(Kind.BOOLEAN),
    LAMBDA_MIN_CLIPPED(Kind.NUMBER),
    PREDICT_X0(Kind.BOOLEAN),
    DISABLE_CORRECTOR(Kind.INT_LIST),
    // flow matching: known, only the defaults are supported
    USE_DYNAMIC_SHIFTING(Kind.BOOLEAN),
    FLOW_SHIFT(Kind.NUMBER),
    TIME_SHIFT_TYPE(Kind.STRING);

    /** diffusers' name of the key, e.g. {@code use_karras_sigmas}. */
    final String key;

    final Kind kind;

    ConfigKey(Kind kind) {
        this.key = name().toLowerCase(Locale.ROOT);
        this.kind = kind;
    }

    /** The key with diffusers' name {@code key}, or null when torchsd knows no such key. */
    static ConfigKey named(String key) {
        for (ConfigKey candidate : values()) {
            if (candidate.key.equals(key)) {
                return candidate;
            }
        }
        return null;
    }

    /** The JSON type a key's value must have. */
    enum Kind {
        INT("an integer"),
        NUMBER("a number"),
        BOOLEAN("true or false"),
        STRING("a string"),
        NUMBER_LIST("a list of numbers"),
        INT_LIST("a list of integers");

        /** What a value must be, for error messages. */
        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        boolean accepts(JsonElement value) {
            return switch (this) {
                case INT -> isInteger(value);
                case NUMBER -> isNumber(value);
                case BOOLEAN ->
                    value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean();
                case STRING ->
                    value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
                case NUMBER_LIST -> value.isJsonArray() && allMatch(value.getAsJsonArray(), false);
                case INT_LIST -> value.isJsonArray() && allMatch(value.getAsJsonArray(), true);
            };
        }

        /**
         * A value written as text (numbers with {@code inf}, {@code true}/{@code false} in any case, lists as
         * JSON, {@code null} or Python's {@code None} for "default"), or null when the text is not one.
         */
        JsonElement parse(String text) {
            if (text.equals("null") || text.equals("None")) {
                return JsonNull.INSTANCE;
            }
            return switch (this) {
                case INT, NUMBER -> parseNumber(text);
                case BOOLEAN ->
                    text.equalsIgnoreCase("true")
                            ? new JsonPrimitive(true)
                            : text.equalsIgnoreCase("false") ? new JsonPrimitive(false) : null;
                case STRING -> new JsonPrimitive(text);
                case NUMBER_LIST, INT_LIST -> parseJson(text);
            };
        }

        /** Python's json writes float('-inf') as -Infinity, which Gson reads as a string. */
        JsonElement infinityAsNumber(JsonElement value) {
            if (this == NUMBER
                    && value.isJsonPrimitive()
                    && value.getAsJsonPrimitive().isString()) {
                switch (value.getAsString()) {
                    case "Infinity", "inf" -> {
                        return new JsonPrimitive(Double.POSITIVE_INFINITY);
                    }
                    case "-Infinity", "-inf" -> {
                        return new JsonPrimitive(Double.NEGATIVE_INFINITY);
                    }
                    default -> {
                        return value;
                    }
                }
            }
            return value;
        }

        private static JsonElement parseNumber(String text) {
            String normalized = switch (text.toLowerCase(Locale.ROOT)) {
                case "inf", "+inf", "infinity" -> "Infinity";
                case "-inf", "-infinity" -> "-Infinity";
                default -> text;
            };
            try {
                return new JsonPrimitive(Long.parseLong(normalized));
            } catch (NumberFormatException notAnInteger) {
                try {
                    return new JsonPrimitive(Double.parseDouble(normalized));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }

        private static JsonElement parseJson(String text) {
            try {
                return JsonParser.parseString(text);
            } catch (JsonParseException e) {
                return null;
            }
        }

        private static boolean allMatch(JsonArray array, boolean integers) {
            for (JsonElement element : array) {
                if (integers ? !isInteger(element) : !isNumber(element)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isNumber(JsonElement value) {
            return value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber();
        }

        private static boolean isInteger(JsonElement value) {
            if (!isNumber(value)) {
                return false;
            }
            double number = value.getAsDouble();
            return number == Math.rint(number) && Math.abs(number) <= Integer.MAX_VALUE;
        }
    }
}
