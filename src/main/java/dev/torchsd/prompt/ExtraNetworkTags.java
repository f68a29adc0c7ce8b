package dev.torchsd.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's extra-network tags, {@code <type:arguments>}: every tag is removed from the text
 * the encoder sees (AUTOMATIC1111's {@code <(\w+):([^>]+)>}), and {@code lora} (or {@code lyco}) tags
 * are read as {@code <lora:name[:te[:unet[:dyn]]]>} with {@code te=}, {@code unet=}, {@code dyn=}
 * also accepted by name; te defaults to 1, unet to te.
 */
public final class ExtraNetworkTags {
    private static final Pattern TAG = Pattern.compile("<(\\w+):([^>]+)>");

    /** One {@code <lora:…>} tag. */
    public record LoraTag(String name, double textEncoderWeight, double unetWeight, String text) {}

    /** The prompt without its tags, the LoRA tags, and the types of other tags (which torchsd does not apply). */
    public record Parsed(String text, List<LoraTag> loras, List<String> otherTypes) {}

    private ExtraNetworkTags() {}

    public static Parsed parse(String prompt) {
        List<LoraTag> loras = new ArrayList<>();
        List<String> others = new ArrayList<>();
        Matcher m = TAG.matcher(prompt);
        StringBuilder text = new StringBuilder();
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("lora") || type.equals("lyco")) {
                loras.add(lora(m.group(), m.group(2)));
            } else {
                others.add(type);
            }
            m.appendReplacement(text, "");
        }
        m.appendTail(text);
        return new Parsed(text.toString(), List.copyOf(loras), List.copyOf(others));
    }

    private static LoraTag lora(String tag, String arguments) {
        String[] items = arguments.split(":", -1);
        List<String> positional = new ArrayList<>();
        Double te = null;
        Double unet = null;
        for (String item : items) {
            int eq = item.indexOf('=');
            String key = eq < 0 ? null : item.substring(0, eq).strip();
            if ("te".equals(key)) {
                te = number(tag, item.substring(eq + 1));
            } else if ("unet".equals(key)) {
                unet = number(tag, item.substring(eq + 1));
            } else if (!"dyn".equals(key)) {
                positional.add(item);
            }
        }
        String name = positional.isEmpty() ? "" : positional.get(0).strip();
        if (name.isEmpty()) {
            throw new PromptException(tag + ": a LoRA tag needs a name, as <lora:name:weight>");
        }
        if (te == null) {
            te = positional.size() > 1 ? number(tag, positional.get(1)) : 1.0;
        }
        if (unet == null) {
            unet = positional.size() > 2 ? number(tag, positional.get(2)) : te;
        }
        return new LoraTag(name, te, unet, tag);
    }

    private static double number(String tag, String text) {
        try {
            double value = Double.parseDouble(text.strip());
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new PromptException(
                tag + ": '" + text + "' is not a number (expected <lora:name:te[:unet]> or te=…, unet=…)");
    }
}
