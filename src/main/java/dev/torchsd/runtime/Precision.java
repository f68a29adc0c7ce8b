package dev.torchsd.runtime;

import java.util.Locale;

/**
 * The floating-point type the U-Net and the VAE compute in. The text encoder always computes in
 * float32, the VAE in float32 when the U-Net uses float16 (diffusers' {@code force_upcast}: SD
 * VAEs overflow in float16), and the scheduler's arithmetic stays float32 whatever the U-Net uses.
 * docs/performance.md measures the images' difference from {@link #FP32}.
 */
public enum Precision {
    /** float32: the reference, bit for bit diffusers' float32 pipeline (the default). */
    FP32,
    /** float16: for CUDA; on a CPU without float16 arithmetic it runs, slowly. */
    FP16,
    /** bfloat16: for CPUs with AVX-512 BF16 or AMX, and GPUs. */
    BF16;

    /**
     * Reads a precision's name.
     *
     * @param text "fp32", "fp16" or "bf16", in any case
     * @param source where the text came from (an option, a system property), for the error message
     * @return the precision
     * @throws DeviceException naming {@code source} and the text if it is none of these
     */
    public static Precision parse(String text, String source) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DeviceException(source + "=" + text + ": expected fp32, fp16 or bf16");
        }
    }
}
