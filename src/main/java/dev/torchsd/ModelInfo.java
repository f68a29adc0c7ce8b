package dev.torchsd;

import java.nio.file.Path;

/**
 * What a loaded model is, for looking inside: read from its manifest (docs/model-format.md).
 *
 * @param name               the manifest's model name
 * @param family             sd1, sd2, ...
 * @param predictionType     what the U-Net predicts: epsilon or v_prediction
 * @param defaultWidth       image width when a request leaves it unset, in pixels
 * @param defaultHeight      image height when a request leaves it unset, in pixels
 * @param latentChannels     channels of the latents
 * @param vaeScaleFactor     image pixels per latent pixel, along each side
 * @param textEncoderLayers  transformer layers of the text encoder: clip skip may be 1..this
 * @param hiddenSize         width of the text encoder (and of textual-inversion vectors)
 * @param defaultScheduler   the scheduler class of the model's config
 * @param folder             the model folder
 * @param inpainting         whether it is an inpainting model: its U-Net takes the mask and the
 *                           masked image's latents besides the latents (9 channels on SD 1.5), so
 *                           every request needs an image and a mask
 */
public record ModelInfo(
        String name,
        String family,
        String predictionType,
        int defaultWidth,
        int defaultHeight,
        int latentChannels,
        int vaeScaleFactor,
        int textEncoderLayers,
        int hiddenSize,
        String defaultScheduler,
        Path folder,
        boolean inpainting) {}
