package dev.torchsd.lora;

/** The network a LoRA module changes; each has its own multiplier. */
public enum Part {
    TEXT_ENCODER("text encoder"),
    /** SDXL's second text encoder, OpenCLIP bigG ({@code lora_te2_}). */
    TEXT_ENCODER_2("second text encoder"),
    UNET("U-Net");

    private final String label;

    Part(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
