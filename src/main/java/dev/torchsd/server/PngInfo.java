package dev.torchsd.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.pipeline.Infotext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /sdapi/v1/png-info}: the infotext a PNG carries, and its fields as AUTOMATIC1111's
 * parse_generation_parameters gives them ("Prompt", "Negative prompt", "Steps", "Size-1", ...).
 */
final class PngInfo {
    /** {@code Key: value} pairs of the last line; a value is a JSON string or runs to the next comma. */
    private static final Pattern FIELD =
            Pattern.compile("\\s*([\\w][\\w \\-/]*):\\s*(\"(?:\\\\.|[^\\\\\"])*\"|[^,]*)(?:,|$)");

    private static final String NEGATIVE = "Negative prompt: ";

    private PngInfo() {}

    static JsonObject of(JsonBody body) {
        String image = body.optionalString("image")
                .orElseThrow(() -> new FieldException("image", "image is required: a base64 PNG"));
        String text;
        try {
            text = Infotext.read(new ByteArrayInputStream(Base64Image.bytes(image, "image")))
                    .orElse("");
        } catch (IOException e) {
            throw new FieldException("image", "image is not a readable PNG: " + e.getMessage());
        }
        JsonObject items = new JsonObject();
        if (!text.isEmpty()) {
            items.addProperty("parameters", text);
        }
        JsonObject response = new JsonObject();
        response.addProperty("info", text);
        response.add("items", items);
        response.add("parameters", parameters(text));
        return response;
    }

    /** The fields of an infotext: the prompt lines, the negative prompt, then every {@code Key: value}. */
    static JsonObject parameters(String infotext) {
        JsonObject p = new JsonObject();
        String[] lines = infotext.strip().split("\n");
        String last = lines.length > 0 ? lines[lines.length - 1] : "";
        boolean hasFields = FIELD.matcher(last).results().count() >= 3;
        int promptLines = hasFields ? lines.length - 1 : lines.length;
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = null;
        for (int i = 0; i < promptLines; i++) {
            String line = lines[i];
            if (line.startsWith(NEGATIVE) && negative == null) {
                negative = new StringBuilder(line.substring(NEGATIVE.length()));
            } else if (negative != null) {
                negative.append('\n').append(line);
            } else {
                prompt.append(prompt.length() > 0 ? "\n" : "").append(line);
            }
        }
        p.addProperty("Prompt", prompt.toString());
        p.addProperty("Negative prompt", negative == null ? "" : negative.toString());
        if (hasFields) {
            Matcher m = FIELD.matcher(last);
            while (m.find()) {
                String value = m.group(2).strip();
                if (value.startsWith("\"") && value.endsWith("\"") && value.length() > 1) {
                    value = JsonParser.parseString(value).getAsString();
                }
                p.addProperty(m.group(1).strip(), value);
                if (m.group(1).strip().equals("Size") && value.matches("\\d+x\\d+")) {
                    p.addProperty("Size-1", value.substring(0, value.indexOf('x')));
                    p.addProperty("Size-2", value.substring(value.indexOf('x') + 1));
                }
            }
        }
        return p;
    }
}
