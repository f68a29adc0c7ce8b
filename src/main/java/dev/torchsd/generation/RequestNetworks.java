package dev.torchsd.generation;

import dev.torchsd.lora.LoraFolder;
import dev.torchsd.lora.LoraHash;
import dev.torchsd.lora.NetworkUse;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.prompt.ExtraNetworkTags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's LoRA set: its {@link LoraWeight}s, then (AUTOMATIC1111 syntax) its prompt's
 * {@code <lora:name:te:unet>} tags looked up in the request's LoRA folder; and the prompt the text
 * encoder sees, without the tags.
 */
final class RequestNetworks {
    private RequestNetworks() {}

    /** The set, in order; a RequestException names a missing file, an unknown name (with the folder's) or a bad weight. */
    static List<NetworkUse> of(GenerationRequest r) {
        List<NetworkUse> uses = new ArrayList<>();
        for (LoraWeight lora : r.extraNetworks().loras()) {
            uses.add(use(lora.file(), lora.name(), lora.textEncoderWeight(), lora.unetWeight()));
        }
        if (r.promptSyntax().a1111()) {
            for (ExtraNetworkTags.LoraTag tag :
                    ExtraNetworkTags.parse(r.prompt()).loras()) {
                Path folder = r.extraNetworks()
                        .loraFolder()
                        .orElseThrow(() -> new RequestException("the prompt's " + tag.text()
                                + " needs a LoRA folder (--lora-dir, GenerationRequest.Builder.loraFolder)"));
                uses.add(use(
                        LoraFolder.find(folder, tag.name()), tag.name(), tag.textEncoderWeight(), tag.unetWeight()));
            }
        }
        return List.copyOf(uses);
    }

    private static NetworkUse use(Path file, String name, double te, double unet) {
        if (!Double.isFinite(te) || !Double.isFinite(unet)) {
            throw new RequestException(
                    "LoRA '" + name + "': weights must be finite numbers, got " + te + " and " + unet);
        }
        return NetworkUse.of(file, name, te, unet);
    }

    /** Name → short hash of every file the set reads (weight 0 ones included, as AUTOMATIC1111 lists them). */
    static Map<String, String> hashes(List<NetworkUse> uses) {
        Map<String, String> hashes = new LinkedHashMap<>();
        uses.forEach(use -> hashes.put(use.name(), LoraHash.shortHash(use)));
        return hashes;
    }

    /** The request as the text encoder sees it: AUTOMATIC1111 syntax drops every {@code <type:…>} tag from the prompt. */
    static GenerationRequest forEncoding(GenerationRequest r, List<String> warnings) {
        if (!r.promptSyntax().a1111()) {
            if (r.prompt().contains("<lora:")) {
                warnings.add("the prompt's <lora:…> tags are read only in AUTOMATIC1111 prompt syntax; here they are"
                        + " plain text (use --prompt-syntax a1111, or --lora FILE)");
            }
            return r;
        }
        ExtraNetworkTags.Parsed parsed = ExtraNetworkTags.parse(r.prompt());
        parsed.otherTypes().stream()
                .distinct()
                .forEach(type ->
                        warnings.add("<" + type + ":…> tags are not supported (only lora); removed from the prompt"));
        return r.withPrompt(parsed.text());
    }
}
