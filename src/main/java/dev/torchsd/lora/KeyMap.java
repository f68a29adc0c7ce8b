package dev.torchsd.lora;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model folder's {@code keymap.json} (written by the exporter, docs/model-format.md): the
 * diffusers module path of every exported weight, for the U-Net and the text encoder. LoRA modules
 * are looked up by that path with {@code _} for {@code .} (kohya's spelling), and also by the
 * export's own module path spelled the same way (kohya's files named after sgm/ldm modules).
 */
public final class KeyMap {
    public static final String FILE_NAME = "keymap.json";

    private final Map<Part, Map<String, String>> byPath;

    private KeyMap(Map<Part, Map<String, String>> byPath) {
        this.byPath = byPath;
    }

    public static KeyMap read(Path modelFolder) {
        Path file = modelFolder.resolve(FILE_NAME);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LoraException(modelFolder + ": the model folder has no " + FILE_NAME + ", which LoRA files need"
                    + " (exported before torchsd read LoRA): re-export it, or write the map with"
                    + " 'python3 -m torchsd_export.lora_keymap " + modelFolder + "' from native/");
        } catch (IOException e) {
            throw new LoraException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            JsonObject root = JsonParser.parseString(text).getAsJsonObject();
            if (!"torchsd-keymap".equals(root.get("format").getAsString())) {
                throw new LoraException(
                        file + ": format is '" + root.get("format").getAsString() + "', expected 'torchsd-keymap'");
            }
            Map<Part, Map<String, String>> byPath = new HashMap<>();
            byPath.put(Part.UNET, entries(root.getAsJsonObject("unet")));
            byPath.put(Part.TEXT_ENCODER, entries(root.getAsJsonObject("text_encoder")));
            byPath.put(
                    Part.TEXT_ENCODER_2,
                    root.has("text_encoder_2") ? entries(root.getAsJsonObject("text_encoder_2")) : Map.of());
            return new KeyMap(byPath);
        } catch (RuntimeException e) {
            if (e instanceof LoraException) {
                throw e;
            }
            throw new LoraException(
                    file + ": not a key map (expected {\"format\": \"torchsd-keymap\", \"unet\": {…},"
                            + " \"text_encoder\": {…}}): " + e.getMessage(),
                    e);
        }
    }

    private static Map<String, String> entries(JsonObject object) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            String parameter = e.getValue().getAsString();
            out.put(e.getKey().replace('.', '_'), parameter);
            String exportModule =
                    parameter.endsWith(".weight") ? parameter.substring(0, parameter.length() - 7) : parameter;
            out.putIfAbsent(exportModule.replace('.', '_'), parameter);
        }
        return out;
    }

    /** The export's parameter a module changes, if the model has it. */
    public Optional<String> parameter(LoraModule module) {
        return Optional.ofNullable(byPath.get(module.part()).get(module.path()));
    }
}
