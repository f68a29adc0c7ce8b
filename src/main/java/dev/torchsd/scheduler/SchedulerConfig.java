package dev.torchsd.scheduler;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A scheduler configuration with diffusers' key names ({@code scheduler_config.json}), immutable.
 *
 * <p>Only the values actually given are stored; each scheduler applies its own defaults (diffusers'
 * constructor defaults differ between schedulers, e.g. DDIM clips samples by default, PNDM does not).
 * One model manifest serves every scheduler, so keys that belong to other schedulers are accepted and
 * ignored, as diffusers' {@code from_config} does; keys that no scheduler knows, and values of the wrong
 * type, are errors. Keys starting with {@code _} (such as {@code _class_name}) are metadata: only
 * {@code _class_name} is kept, as the default scheduler name.
 */
public final class SchedulerConfig {

    /** The JSON type a key's value must have. */
    enum Kind { INT, NUMBER, BOOLEAN, STRING, NUMBER_LIST, INT_LIST }

    /** Every key of diffusers' scheduler configs that torchsd knows, with its type. */
    static final Map<String, Kind> KNOWN_KEYS;

    static {
        Map<String, Kind> keys = new TreeMap<>();
        for (String key : new String[] {"num_train_timesteps", "steps_offset", "solver_order"}) {
            keys.put(key, Kind.INT);
        }
        for (String key : new String[] {"beta_start", "beta_end", "clip_sample_range", "dynamic_thresholding_ratio",
                "sample_max_value", "lambda_min_clipped", "sigma_min", "sigma_max", "flow_shift", "eta"}) {
            keys.put(key, Kind.NUMBER);
        }
        for (String key : new String[] {"set_alpha_to_one", "skip_prk_steps", "clip_sample", "thresholding",
                "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas",
                "use_lu_lambdas", "lower_order_final", "euler_at_final", "predict_x0", "rescale_betas_zero_snr",
                "use_dynamic_shifting"}) {
            keys.put(key, Kind.BOOLEAN);
        }
        for (String key : new String[] {"beta_schedule", "prediction_type", "timestep_spacing", "algorithm_type",
                "solver_type", "final_sigmas_type", "variance_type", "interpolation_type", "timestep_type",
                "time_shift_type"}) {
            keys.put(key, Kind.STRING);
        }
        keys.put("trained_betas", Kind.NUMBER_LIST);
        keys.put("disable_corrector", Kind.INT_LIST);
        KNOWN_KEYS = Collections.unmodifiableMap(keys);
    }

    private static final String SD15_JSON = """
            {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
             "beta_start": 0.00085, "clip_sample": false, "clip_sample_range": 1.0,
             "dynamic_thresholding_ratio": 0.995, "num_train_timesteps": 1000, "prediction_type": "epsilon",
             "sample_max_value": 1.0, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
             "thresholding": false, "trained_betas": null}""";

    private final String className;
    private final Map<String, JsonElement> values;

    private SchedulerConfig(String className, Map<String, JsonElement> values) {
        this.className = className;
        this.values = Collections.unmodifiableMap(values);
    }

    /** No values given: every scheduler uses its diffusers defaults. */
    public static SchedulerConfig empty() {
        return new SchedulerConfig(null, new LinkedHashMap<>());
    }

    /** Stable Diffusion 1.5's {@code scheduler/scheduler_config.json} (PNDM, scaled_linear, steps_offset 1). */
    public static SchedulerConfig sd15() {
        return parse(SD15_JSON, "built-in SD 1.5 scheduler config");
    }

    /** Parses a {@code scheduler_config.json} text; {@code source} names it in error messages. */
    public static SchedulerConfig parse(String json, String source) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new SchedulerException(source + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (!root.isJsonObject()) {
            throw new SchedulerException(source + ": expected a JSON object, found " + describe(root));
        }
        return fromJson(root.getAsJsonObject(), source);
    }

    /** Reads diffusers' scheduler config object; {@code source} names it in error messages. */
    public static SchedulerConfig fromJson(JsonObject json, String source) {
        SchedulerConfig config = empty();
        String className = null;
        for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith("_")) {
                if (key.equals("_class_name") && entry.getValue().isJsonPrimitive()) {
                    className = entry.getValue().getAsString();
                }
                continue;
            }
            config = config.with(key, entry.getValue(), source);
        }
        return new SchedulerConfig(className, new LinkedHashMap<>(config.values));
    }

    /** This config with one value replaced, given as the text of {@code --set KEY=VALUE}. */
    public SchedulerConfig with(String key, String text) {
        Kind kind = kindOf(key, "--set " + key + "=" + text);
        JsonElement value;
        String trimmed = text.trim();
        if (trimmed.equals("null") || trimmed.equals("None")) {
            value = JsonNull.INSTANCE;
        } else {
            value = switch (kind) {
                case INT, NUMBER -> parseNumber(key, trimmed);
                case BOOLEAN -> parseBoolean(key, trimmed);
                case STRING -> new JsonPrimitive(trimmed);
                case NUMBER_LIST, INT_LIST -> parseList(key, trimmed);
            };
        }
        return with(key, value, "--set " + key + "=" + text);
    }

    /** This config with one value replaced; a JSON null removes the value (the scheduler's default applies). */
    public SchedulerConfig with(String key, JsonElement value, String source) {
        Kind kind = kindOf(key, source);
        Map<String, JsonElement> copy = new LinkedHashMap<>(values);
        if (value == null || value.isJsonNull()) {
            copy.remove(key);
        } else {
            value = infinityAsNumber(kind, value);
            check(key, kind, value, source);
            copy.put(key, value);
        }
        return new SchedulerConfig(className, copy);
    }

    /** The {@code _class_name} the config came with (diffusers' default scheduler for the model), if any. */
    public Optional<String> className() {
        return Optional.ofNullable(className);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    int integer(String key, int defaultValue) {
        JsonElement value = values.get(key);
        return value == null ? defaultValue : value.getAsInt();
    }

    double number(String key, double defaultValue) {
        JsonElement value = values.get(key);
        return value == null ? defaultValue : value.getAsDouble();
    }

    boolean flag(String key, boolean defaultValue) {
        JsonElement value = values.get(key);
        return value == null ? defaultValue : value.getAsBoolean();
    }

    String string(String key, String defaultValue) {
        JsonElement value = values.get(key);
        return value == null ? defaultValue : value.getAsString();
    }

    /** A list value, or null when not given. */
    double[] numbers(String key) {
        JsonElement value = values.get(key);
        if (value == null) {
            return null;
        }
        JsonArray array = value.getAsJsonArray();
        double[] result = new double[array.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = array.get(i).getAsDouble();
        }
        return result;
    }

    /** The given values as diffusers' JSON (plus {@code _class_name} when known). */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        if (className != null) {
            json.addProperty("_class_name", className);
        }
        values.forEach((key, value) -> json.add(key, value.deepCopy()));
        return json;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }

    private static Kind kindOf(String key, String source) {
        Kind kind = KNOWN_KEYS.get(key);
        if (kind == null) {
            throw new SchedulerException(source + ": unknown scheduler config key '" + key
                    + "'; known keys: " + String.join(", ", KNOWN_KEYS.keySet()));
        }
        return kind;
    }

    /** Python's json writes float('-inf') as -Infinity, which Gson reads as a string. */
    private static JsonElement infinityAsNumber(Kind kind, JsonElement value) {
        if (kind == Kind.NUMBER && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
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

    private static void check(String key, Kind kind, JsonElement value, String source) {
        boolean ok = switch (kind) {
            case INT -> isInteger(value);
            case NUMBER -> isNumber(value);
            case BOOLEAN -> value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean();
            case STRING -> value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
            case NUMBER_LIST -> value.isJsonArray() && allMatch(value.getAsJsonArray(), false);
            case INT_LIST -> value.isJsonArray() && allMatch(value.getAsJsonArray(), true);
        };
        if (!ok) {
            throw new SchedulerException(source + ": scheduler config key '" + key + "' expects "
                    + expected(kind) + ", found " + describe(value));
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

    private static JsonElement parseNumber(String key, String text) {
        String normalized = switch (text.toLowerCase()) {
            case "inf", "+inf", "infinity" -> "Infinity";
            case "-inf", "-infinity" -> "-Infinity";
            default -> text;
        };
        try {
            return new JsonPrimitive(Double.parseDouble(normalized));
        } catch (NumberFormatException e) {
            throw new SchedulerException("--set " + key + "=" + text + ": expected a number, found '" + text + "'");
        }
    }

    private static JsonElement parseBoolean(String key, String text) {
        if (text.equalsIgnoreCase("true")) {
            return new JsonPrimitive(true);
        }
        if (text.equalsIgnoreCase("false")) {
            return new JsonPrimitive(false);
        }
        throw new SchedulerException("--set " + key + "=" + text + ": expected true or false, found '" + text + "'");
    }

    private static JsonElement parseList(String key, String text) {
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new SchedulerException("--set " + key + "=" + text + ": expected a JSON list such as [1, 2], found '"
                    + text + "'");
        }
    }

    private static String expected(Kind kind) {
        return switch (kind) {
            case INT -> "an integer";
            case NUMBER -> "a number";
            case BOOLEAN -> "true or false";
            case STRING -> "a string";
            case NUMBER_LIST -> "a list of numbers";
            case INT_LIST -> "a list of integers";
        };
    }

    private static String describe(JsonElement value) {
        String text = value.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        if (value.isJsonPrimitive()) {
            JsonPrimitive primitive = value.getAsJsonPrimitive();
            String type = primitive.isBoolean() ? "boolean" : primitive.isNumber() ? "number" : "string";
            return type + " " + text;
        }
        return (value.isJsonArray() ? "list " : value.isJsonObject() ? "object " : "") + text;
    }
}
