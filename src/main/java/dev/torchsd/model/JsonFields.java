package dev.torchsd.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Typed, required access to the fields of a JSON object, with errors that name the file, the
 * field's path, what was expected and what was found.
 */
final class JsonFields {
    private final String file;
    private final String path;
    private final JsonObject object;

    JsonFields(String file, String path, JsonObject object) {
        this.file = file;
        this.path = path;
        this.object = object;
    }

    private String name(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private JsonElement required(String field) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            throw new ModelException(file + ": missing field '" + name(field) + "'");
        }
        return e;
    }

    private ModelException wrongType(String field, String expected, JsonElement found) {
        return new ModelException(file + ": field '" + name(field) + "': expected " + expected + ", found " + found);
    }

    String fileName() {
        return file;
    }

    String path() {
        return path;
    }

    boolean bool(String field) {
        JsonElement e = required(field);
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw wrongType(field, "true or false", e);
        }
        return e.getAsBoolean();
    }

    /** Whether the field is present (and not null): for optional fields. */
    boolean has(String field) {
        JsonElement e = object.get(field);
        return e != null && !e.isJsonNull();
    }

    JsonFields object(String field) {
        JsonElement e = required(field);
        if (!e.isJsonObject()) {
            throw wrongType(field, "an object", e);
        }
        return new JsonFields(file, name(field), e.getAsJsonObject());
    }

    JsonObject rawObject(String field) {
        return object(field).object;
    }

    String string(String field) {
        JsonElement e = required(field);
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())
                || e.getAsString().isEmpty()) {
            throw wrongType(field, "a non-empty string", e);
        }
        return e.getAsString();
    }

    String oneOf(String field, String... allowed) {
        String value = string(field);
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        throw new ModelException(file + ": field '" + name(field) + "': expected one of " + String.join(", ", allowed)
                + ", found \"" + value + "\"");
    }

    int positiveInt(String field) {
        int value = integer(field);
        if (value < 1) {
            throw wrongType(field, "a positive integer", object.get(field));
        }
        return value;
    }

    int integer(String field) {
        JsonElement e = required(field);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw wrongType(field, "an integer", e);
    }

    double positiveNumber(String field) {
        JsonElement e = required(field);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        }
        throw wrongType(field, "a positive number", e);
    }

    /** An optional array of non-empty strings; absent means none. */
    java.util.List<String> optionalStrings(String field) {
        if (!has(field)) {
            return java.util.List.of();
        }
        JsonElement e = object.get(field);
        if (!e.isJsonArray()) {
            throw wrongType(field, "an array of strings", e);
        }
        java.util.List<String> values = new java.util.ArrayList<>();
        for (JsonElement item : e.getAsJsonArray()) {
            if (!(item.isJsonPrimitive() && item.getAsJsonPrimitive().isString())
                    || item.getAsString().isEmpty()) {
                throw wrongType(field, "an array of non-empty strings", e);
            }
            values.add(item.getAsString());
        }
        return values;
    }
}
