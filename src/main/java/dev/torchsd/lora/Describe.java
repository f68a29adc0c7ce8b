package dev.torchsd.lora;

import java.util.Collection;
import java.util.stream.Collectors;

/** What a set of tensor names looks like, for a file that is not a LoRA. */
final class Describe {
    private Describe() {}

    static String keys(Collection<String> keys) {
        String what;
        if (keys.stream().anyMatch(k -> k.startsWith("model.diffusion_model."))) {
            what = "it looks like a Stable Diffusion checkpoint (model.diffusion_model.… keys)";
        } else if (keys.contains("emb_params")
                || keys.contains("string_to_param")
                || keys.contains("clip_l")
                || keys.size() == 1) {
            what = "it looks like a textual-inversion embedding (load it with --embedding)";
        } else if (keys.stream().anyMatch(k -> k.startsWith("down_blocks.") || k.startsWith("text_model."))) {
            what = "it looks like diffusers model weights (down_blocks.… / text_model.… keys)";
        } else {
            what = "no key is a LoRA key (lora_unet_…, lora_te_…, unet.….lora_A.weight)";
        }
        return what + "; first keys: " + keys.stream().limit(5).collect(Collectors.joining(", "));
    }
}
