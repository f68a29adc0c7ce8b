package dev.torchsd.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A JSON object of a request, read field by field: a missing field or null is the default, a value
 * of the wrong type is a 422 naming the field. Unknown fields are left alone (AUTOMATIC1111 ignores them).
 */
final class JsonBody {
    private final JsonObject object;
    private final String prefix;

    private JsonBody(JsonObject object, String prefix) {
        this.object = object;
        this.prefix = prefix;
    }

    /** Parses a request body that must be one JSON object. */
    static JsonBody parse(String text) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text.isBlank() ? "{}" : text);
        } catch (JsonParseException e) {
            throw new FieldException("body", "the body is not valid JSON: " + rootMessage(e));
        }
        if (!parsed.isJsonObject()) {
            throw new FieldException("body", "the body must be a JSON object, got " + kind(parsed));
        }
        return new JsonBody(parsed.getAsJsonObject(), "");
    }

    JsonObject object() {
        return object;
    }

    /** A nested object (override_settings); an empty one when missing. */
    JsonBody object(String name) {
        JsonElement e = get(name);
        if (e == null) {
            return new JsonBody(new JsonObject(), prefix + name + ".");
        }
        if (!e.isJsonObject()) {
            throw wrongType(name, "an object", e);
        }
        return new JsonBody(e.getAsJsonObject(), prefix + name + ".");
    }

    /** How a 422 names field {@code name} of this object: with the names it is nested in (override_settings.x). */
    String field(String name) {
        return prefix + name;
    }

    boolean has(String name) {
        return get(name) != null;
    }

    String string(String name, String fallback) {
        return optionalString(name).orElse(fallback);
    }

    Optional<String> optionalString(String name) {
        JsonElement e = get(name);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrongType(name, "a string", e);
        }
        return Optional.of(e.getAsString());
    }

    /** A string, or a number as it is written (for values such as "40%" or 0.4). */
    Optional<String> optionalText(String name) {
        JsonElement e = get(name);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
            throw wrongType(name, "a string or a number", e);
        }
        return Optional.of(e.getAsString());
    }

    long integer(String name, long fallback) {
        JsonElement e = get(name);
        if (e == null) {
            return fallback;
        }
        double value = number(name, e);
        if (value != Math.rint(value) || Math.abs(value) > 9.007199254740992E15) {
            throw wrongType(name, "an integer", e);
        }
        return (long) value;
    }

    int smallInteger(String name, int fallback) {
        long value = integer(name, fallback);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new FieldException(prefix + name, name + " is out of range, got " + value);
        }
        return (int) value;
    }

    double number(String name, double fallback) {
        JsonElement e = get(name);
        return e == null ? fallback : number(name, e);
    }

    boolean bool(String name, boolean fallback) {
        JsonElement e = get(name);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrongType(name, "true or false", e);
        }
        return e.getAsBoolean();
    }

    /** true/false, or 0/1 as AUTOMATIC1111's integer flags (inpainting_mask_invert) are sent. */
    boolean flag(String name, boolean fallback) {
        JsonElement e = get(name);
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            long bit = integer(name, 0);
            if (bit != 0 && bit != 1) {
                throw wrongType(name, "true, false, 0 or 1", e);
            }
            return bit == 1;
        }
        return bool(name, fallback);
    }

    /** An array of strings (init_images); empty when missing. */
    List<String> strings(String name) {
        JsonElement e = get(name);
        if (e == null) {
            return List.of();
        }
        if (!e.isJsonArray()) {
            throw wrongType(name, "an array of strings", e);
        }
        List<String> list = new ArrayList<>();
        for (JsonElement item : e.getAsJsonArray()) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                throw wrongType(name, "an array of strings", e);
            }
            list.add(item.getAsString());
        }
        return list;
    }

    private double number(String name, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrongType(name, "a number", e);
        }
        double value = e.getAsDouble();
        if (!Double.isFinite(value)) {
            throw wrongType(name, "a finite number", e);
        }
        return value;
    }

    private JsonElement get(String name) {
        JsonElement e = object.get(name);
        return e == null || e.isJsonNull() ? null : e;
    }

    private FieldException wrongType(String name, String expected, JsonElement found) {
        return new FieldException(prefix + name, prefix + name + " must be " + expected + ", got " + kind(found));
    }

    private static String kind(JsonElement e) {
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        String text = p.toString();
        return (p.isString() ? "the string " : "") + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
