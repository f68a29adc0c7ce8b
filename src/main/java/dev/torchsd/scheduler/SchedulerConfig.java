package dev.torchsd.scheduler;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A scheduler configuration with diffusers' key names ({@code scheduler_config.json}), immutable.
 *
 * <p>Only the values actually given are stored, each with its type checked against {@link ConfigKey} and
 * with the source it came from (a file, a manifest, an override) for error messages. Each scheduler reads
 * the keys of its diffusers {@code __init__}, with diffusers' defaults, into its own config record when it
 * is created, and checks ranges and choices there. One model manifest serves every scheduler, so keys
 * that belong to other schedulers are accepted and ignored, as diffusers' {@code from_config} does; keys
 * that no scheduler knows, and values of the wrong type, are errors. Keys starting with {@code _} (such
 * as {@code _class_name}) are metadata: only {@code _class_name} is kept, as the default scheduler name.
 *
 * <p>Errors name the source, the key, what was expected and what was found, e.g.
 * {@code model.json scheduler: 'use_karras_sigmas': expected true or false, found "yes"}.
 */
public final class SchedulerConfig {

    /** The source of values given to {@link #with(String, String)}. */
    private static final String OVERRIDE = "scheduler config override";

    private static final String SD15_JSON = """
            {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
             "beta_start": 0.00085, "clip_sample": false, "clip_sample_range": 1.0,
             "dynamic_thresholding_ratio": 0.995, "num_train_timesteps": 1000, "prediction_type": "epsilon",
             "sample_max_value": 1.0, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
             "thresholding": false, "trained_betas": null}""";

    /** One given value and where it came from. */
    private record Given(JsonElement value, String source) {}

    private final String className;
    private final Map<ConfigKey, Given> values;

    private SchedulerConfig(String className, Map<ConfigKey, Given> values) {
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

    /**
     * This config with one value replaced, given as text: numbers (also {@code inf}, {@code -inf}),
     * {@code true}/{@code false} in any case, strings as written, lists as JSON ({@code [0, 1]}), and
     * {@code null} or {@code None} for "the scheduler's default". Errors name the source
     * "scheduler config override".
     */
    public SchedulerConfig with(String key, String text) {
        return with(key, text, OVERRIDE);
    }

    /** {@link #with(String, String)} with the source of the value named for error messages. */
    public SchedulerConfig with(String key, String text, String source) {
        ConfigKey known = known(key, source);
        JsonElement value = known.kind.parse(text.trim());
        if (value == null) {
            throw new SchedulerException(source + ": '" + key + "': expected " + known.kind.expected + ", found "
                    + describe(new JsonPrimitive(text)));
        }
        return with(key, value, source);
    }

    /** This config with one value replaced; a JSON null removes the value (the scheduler's default applies). */
    public SchedulerConfig with(String key, JsonElement value, String source) {
        ConfigKey known = known(key, source);
        Map<ConfigKey, Given> copy = new LinkedHashMap<>(values);
        if (value == null || value.isJsonNull()) {
            copy.remove(known);
        } else {
            value = known.kind.infinityAsNumber(value);
            if (!known.kind.accepts(value)) {
                throw new SchedulerException(
                        source + ": '" + key + "': expected " + known.kind.expected + ", found " + describe(value));
            }
            copy.put(known, new Given(value, source));
        }
        return new SchedulerConfig(className, copy);
    }

    /** The {@code _class_name} the config came with (diffusers' default scheduler for the model), if any. */
    public Optional<String> className() {
        return Optional.ofNullable(className);
    }

    public boolean has(String key) {
        ConfigKey known = ConfigKey.named(key);
        return known != null && values.containsKey(known);
    }

    /** The given values as diffusers' JSON (plus {@code _class_name} when known). */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        if (className != null) {
            json.addProperty("_class_name", className);
        }
        values.forEach((key, given) -> json.add(key.key, given.value().deepCopy()));
        return json;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }

    int integer(ConfigKey key, int defaultValue) {
        return read(key, defaultValue, JsonElement::getAsInt, ConfigKey.Kind.INT);
    }

    double number(ConfigKey key, double defaultValue) {
        return read(key, defaultValue, JsonElement::getAsDouble, ConfigKey.Kind.NUMBER);
    }

    /** A number, or null when not given (for keys whose default is computed, such as sigma_min). */
    Double number(ConfigKey key) {
        return read(key, null, JsonElement::getAsDouble, ConfigKey.Kind.NUMBER);
    }

    boolean flag(ConfigKey key, boolean defaultValue) {
        return read(key, defaultValue, JsonElement::getAsBoolean, ConfigKey.Kind.BOOLEAN);
    }

    String string(ConfigKey key, String defaultValue) {
        return read(key, defaultValue, JsonElement::getAsString, ConfigKey.Kind.STRING);
    }

    /** The string value or the default, which must be one of {@code allowed} ({@code scheduler} names whose list it is). */
    String oneOf(ConfigKey key, String defaultValue, String scheduler, String... allowed) {
        String value = string(key, defaultValue);
        if (!Arrays.asList(allowed).contains(value)) {
            throw invalid(key, alternatives(allowed) + (scheduler == null ? "" : " for " + scheduler));
        }
        return value;
    }

    /**
     * The enum constant whose lower-case name is the string value (or the default), which must be one of
     * {@code allowed}, e.g. {@code choice(TIMESTEP_SPACING, Spacing.LEADING, null, Spacing.values())}.
     */
    @SafeVarargs
    final <E extends Enum<E>> E choice(ConfigKey key, E defaultValue, String scheduler, E... allowed) {
        String[] names = new String[allowed.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = allowed[i].name().toLowerCase(Locale.ROOT);
        }
        String value = oneOf(key, defaultValue.name().toLowerCase(Locale.ROOT), scheduler, names);
        return allowed[Arrays.asList(names).indexOf(value)];
    }

    /** A list value, or null when not given. */
    double[] numbers(ConfigKey key) {
        return read(
                key,
                null,
                value -> {
                    JsonArray array = value.getAsJsonArray();
                    double[] result = new double[array.size()];
                    for (int i = 0; i < result.length; i++) {
                        result[i] = array.get(i).getAsDouble();
                    }
                    return result;
                },
                ConfigKey.Kind.NUMBER_LIST,
                ConfigKey.Kind.INT_LIST);
    }

    /** Options torchsd does not implement: each key must be false (its default) or not given. */
    void rejectTrue(ConfigKey... keys) {
        for (ConfigKey key : keys) {
            if (flag(key, false)) {
                throw invalid(key, "false (true is not supported by torchsd)");
            }
        }
    }

    /**
     * The error for a given value that a scheduler cannot use: its source, the key, {@code expected} and
     * the value found, e.g. {@code cfg.json: 'solver_order': expected 1 to 3 for DPMSolverMultistepScheduler, found 4}.
     */
    SchedulerException invalid(ConfigKey key, String expected) {
        Given given = values.get(key);
        String source = given == null ? "scheduler config" : given.source();
        String found = given == null ? "no value" : describe(given.value());
        return new SchedulerException(source + ": '" + key.key + "': expected " + expected + ", found " + found);
    }

    /** "a", "a or b", "a, b or c". */
    static String alternatives(String... choices) {
        int last = choices.length - 1;
        if (last == 0) {
            return choices[0];
        }
        return String.join(", ", Arrays.copyOf(choices, last)) + " or " + choices[last];
    }

    /** The given value as {@code get} reads it, or the default; {@code kinds} are the types {@code get} can read. */
    private <T> T read(ConfigKey key, T defaultValue, Function<JsonElement, T> get, ConfigKey.Kind... kinds) {
        if (!Arrays.asList(kinds).contains(key.kind)) {
            throw new IllegalArgumentException(key.key + " holds " + key.kind.expected + ", not " + kinds[0].expected);
        }
        Given given = values.get(key);
        return given == null ? defaultValue : get.apply(given.value());
    }

    private static ConfigKey known(String key, String source) {
        ConfigKey known = ConfigKey.named(key);
        if (known == null) {
            List<String> names =
                    Arrays.stream(ConfigKey.values()).map(k -> k.key).sorted().collect(Collectors.toList());
            throw new SchedulerException(
                    source + ": unknown scheduler config key '" + key + "'; known keys: " + String.join(", ", names));
        }
        return known;
    }

    /** The value as JSON (strings quoted), shortened to 60 characters. */
    private static String describe(JsonElement value) {
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
}
