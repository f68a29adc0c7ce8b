package dev.torchsd.embedding;

/**
 * How a textual-inversion file is stored: the container and the layout of its keys.
 *
 * @param container safetensors or torch archive
 * @param layout    which tool's key layout the file follows
 */
public record EmbeddingFormat(Container container, Layout layout) {

    /** The file format. */
    public enum Container {
        SAFETENSORS("safetensors file"),
        TORCH_ARCHIVE("torch archive (.pt/.bin)");

        private final String description;

        Container(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** The keys inside, and so where the vectors and the token come from. */
    public enum Layout {
        /** AUTOMATIC1111's {@code Embedding.save}: {@code string_to_param = {"*": tensor}}, {@code name}, {@code step}, .... */
        A1111("AUTOMATIC1111 (string_to_param)"),
        /** One tensor under {@code emb_params}, common for community .safetensors embeddings. */
        EMB_PARAMS("emb_params"),
        /** diffusers' {@code learned_embeds}: one tensor under the placeholder token, {@code {"<cat-toy>": tensor}}. */
        DIFFUSERS("diffusers ({token: tensor})"),
        /** A bare tensor saved with {@code torch.save(tensor)}. */
        TENSOR("bare tensor"),
        /** SDXL: {@code clip_l} (for the CLIP-L encoder) and {@code clip_g} (for OpenCLIP-G). */
        SDXL("SDXL (clip_l + clip_g)");

        private final String description;

        Layout(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** E.g. {@code "AUTOMATIC1111 (string_to_param) in a torch archive (.pt/.bin)"}. */
    public String description() {
        return layout.description() + " in a " + container.description();
    }

    @Override
    public String toString() {
        return description();
    }
}
