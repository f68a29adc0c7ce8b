package dev.torchsd.pipeline;

import java.awt.image.BufferedImage;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The image a generation starts from: image-to-image, or inpainting with a mask. One immutable value,
 * made with {@link #of(BufferedImage)} and changed with its {@code with...} methods:
 * <pre>
 * ImageInput.of(photo).withStrength(0.6)                       // image-to-image (diffusers' img2img)
 * ImageInput.of(photo).withMask(mask).withMaskBlur(4)          // inpainting (diffusers' inpaint)
 * </pre>
 * Defaults are diffusers': strength 0.8 without a mask, 1.0 with one (unset here, filled in when
 * the generation starts); the image stretched to the request size; the posterior sampled; the mask
 * white = repaint, binarised at 0.5, not blurred. The AUTOMATIC1111 options are explicit.
 * docs/image-to-image.md explains every option.
 */
public final class ImageInput {
    /** diffusers' StableDiffusionImg2ImgPipeline default. */
    public static final double IMG2IMG_STRENGTH = 0.8;
    /** diffusers' StableDiffusionInpaintPipeline default: the loop starts from pure noise. */
    public static final double INPAINT_STRENGTH = 1.0;

    /** How an image of another size than the request's is made to fit (AUTOMATIC1111's resize modes). */
    public enum Resize {
        /** Scaled to the request size, the aspect ratio not kept (diffusers; AUTOMATIC1111's "Just resize"). */
        STRETCH,
        /** Scaled to cover the request size, then the centre cut out (AUTOMATIC1111's "Crop and resize"). */
        CROP
    }

    /** Which part of the image the network sees when inpainting (AUTOMATIC1111's "Inpaint area"). */
    public enum InpaintArea {
        /** The whole image, at the request size. */
        WHOLE,
        /** Only the mask's padded bounding box, scaled to the request size, then pasted back ("Only masked"). */
        MASKED
    }

    /** What the masked area starts from (AUTOMATIC1111's "Masked content"). */
    public enum Fill {
        /** The masked pixels painted with the unmasked pixels' mean colour before encoding. */
        FILL,
        /** The original image (diffusers). */
        ORIGINAL,
        /** The masked latents replaced by Gaussian noise. */
        LATENT_NOISE,
        /** The masked latents set to zero. */
        LATENT_NOTHING
    }

    /** How the VAE encoder's distribution becomes latents (diffusers' retrieve_latents sample_mode). */
    public enum Sampling {
        /** mean + std * noise from the request's generator (diffusers' default). */
        SAMPLE,
        /** the mean. */
        ARGMAX
    }

    /** How strength picks the steps that run. */
    public enum StepCount {
        /** diffusers' get_timesteps: min(int(steps * strength), steps) steps. */
        DIFFUSERS,
        /** AUTOMATIC1111: int(min(strength, 0.999) * steps) + 1 steps. */
        A1111
    }

    private final BufferedImage image;
    private final BufferedImage mask;
    private final Double strength;
    private final Resize resize;
    private final int maskBlur;
    private final boolean invertMask;
    private final InpaintArea inpaintArea;
    private final int maskedPadding;
    private final Fill fill;
    private final Sampling sampling;
    private final StepCount stepCount;

    private ImageInput(
            BufferedImage image,
            BufferedImage mask,
            Double strength,
            Resize resize,
            int maskBlur,
            boolean invertMask,
            InpaintArea inpaintArea,
            int maskedPadding,
            Fill fill,
            Sampling sampling,
            StepCount stepCount) {
        this.image = Objects.requireNonNull(image, "image");
        this.mask = mask;
        this.strength = strength;
        this.resize = Objects.requireNonNull(resize, "resize");
        this.maskBlur = maskBlur;
        this.invertMask = invertMask;
        this.inpaintArea = Objects.requireNonNull(inpaintArea, "inpaintArea");
        this.maskedPadding = maskedPadding;
        this.fill = Objects.requireNonNull(fill, "fill");
        this.sampling = Objects.requireNonNull(sampling, "sampling");
        this.stepCount = Objects.requireNonNull(stepCount, "stepCount");
    }

    /**
     * Image-to-image from {@code image}, with diffusers' defaults.
     *
     * @param image the starting image (resized to the request's size by {@link #resize()})
     * @return the image input
     */
    public static ImageInput of(BufferedImage image) {
        return new ImageInput(
                image,
                null,
                null,
                Resize.STRETCH,
                0,
                false,
                InpaintArea.WHOLE,
                0,
                Fill.ORIGINAL,
                Sampling.SAMPLE,
                StepCount.DIFFUSERS);
    }

    /**
     * The starting image.
     *
     * @return the image as given
     */
    public BufferedImage image() {
        return image;
    }

    /**
     * The inpainting mask (white = repaint; an RGBA mask with real transparency: opaque = repaint); empty = image-to-image.
     *
     * @return the mask; empty = image-to-image
     */
    public Optional<BufferedImage> mask() {
        return Optional.ofNullable(mask);
    }

    /**
     * How far the image is noised, 0..1; empty = the mode's default ({@link #IMG2IMG_STRENGTH}, {@link #INPAINT_STRENGTH}).
     *
     * @return the strength; empty = the mode's default
     */
    public OptionalDouble strength() {
        return strength == null ? OptionalDouble.empty() : OptionalDouble.of(strength);
    }

    /**
     * The strength, or the mode's default.
     *
     * @return the strength in 0..1
     */
    public double strengthOrDefault() {
        return strength != null ? strength : mask != null ? INPAINT_STRENGTH : IMG2IMG_STRENGTH;
    }

    /**
     * How the image and mask are fitted to the request's size.
     *
     * @return the resize mode
     */
    public Resize resize() {
        return resize;
    }

    /**
     * Gaussian blur of the mask, in pixels (AUTOMATIC1111's mask_blur); 0 = none.
     *
     * @return the blur radius in pixels
     */
    public int maskBlur() {
        return maskBlur;
    }

    /**
     * Repaint where the mask is black instead (AUTOMATIC1111's inpainting_mask_invert).
     *
     * @return whether the mask is inverted
     */
    public boolean invertMask() {
        return invertMask;
    }

    /**
     * Where inpainting generates: the whole image, or only the masked area's padded box.
     *
     * @return the inpaint area
     */
    public InpaintArea inpaintArea() {
        return inpaintArea;
    }

    /**
     * Pixels around the mask's bounding box for {@link InpaintArea#MASKED}.
     *
     * @return the padding in pixels
     */
    public int maskedPadding() {
        return maskedPadding;
    }

    /**
     * What the masked area starts from (AUTOMATIC1111's masked content).
     *
     * @return the fill mode
     */
    public Fill fill() {
        return fill;
    }

    /**
     * How the VAE encoder's latent distribution becomes latents: sampled (diffusers) or its mean.
     *
     * @return the sampling mode
     */
    public Sampling sampling() {
        return sampling;
    }

    /**
     * How strength turns into steps: diffusers' {@code int(steps * strength)} or AUTOMATIC1111's one more.
     *
     * @return the step-count convention
     */
    public StepCount stepCount() {
        return stepCount;
    }

    /**
     * This input with another setting.
     *
     * @param m the inpainting mask (white = repaint)
     * @return a new value; this one is unchanged
     */
    public ImageInput withMask(BufferedImage m) {
        return new ImageInput(
                image,
                m,
                strength,
                resize,
                maskBlur,
                invertMask,
                inpaintArea,
                maskedPadding,
                fill,
                sampling,
                stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param s how far the image is noised, 0..1
     * @return a new value; this one is unchanged
     */
    public ImageInput withStrength(double s) {
        return new ImageInput(
                image, mask, s, resize, maskBlur, invertMask, inpaintArea, maskedPadding, fill, sampling, stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param r how the image and mask are fitted to the request's size
     * @return a new value; this one is unchanged
     */
    public ImageInput withResize(Resize r) {
        return new ImageInput(
                image, mask, strength, r, maskBlur, invertMask, inpaintArea, maskedPadding, fill, sampling, stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param pixels Gaussian blur of the mask, in pixels; 0 = none
     * @return a new value; this one is unchanged
     */
    public ImageInput withMaskBlur(int pixels) {
        return new ImageInput(
                image,
                mask,
                strength,
                resize,
                pixels,
                invertMask,
                inpaintArea,
                maskedPadding,
                fill,
                sampling,
                stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param invert whether to repaint where the mask is black
     * @return a new value; this one is unchanged
     */
    public ImageInput withInvertedMask(boolean invert) {
        return new ImageInput(
                image, mask, strength, resize, maskBlur, invert, inpaintArea, maskedPadding, fill, sampling, stepCount);
    }

    /**
     * This input inpainting another area.
     *
     * @param area    the whole image, or only the masked area's box
     * @param padding pixels around the mask's bounding box for {@link InpaintArea#MASKED}
     * @return a new value; this one is unchanged
     */
    public ImageInput withInpaintArea(InpaintArea area, int padding) {
        return new ImageInput(
                image, mask, strength, resize, maskBlur, invertMask, area, padding, fill, sampling, stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param f what the masked area starts from
     * @return a new value; this one is unchanged
     */
    public ImageInput withFill(Fill f) {
        return new ImageInput(
                image,
                mask,
                strength,
                resize,
                maskBlur,
                invertMask,
                inpaintArea,
                maskedPadding,
                f,
                sampling,
                stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param s how the latent distribution becomes latents
     * @return a new value; this one is unchanged
     */
    public ImageInput withSampling(Sampling s) {
        return new ImageInput(
                image, mask, strength, resize, maskBlur, invertMask, inpaintArea, maskedPadding, fill, s, stepCount);
    }

    /**
     * This input with another setting.
     *
     * @param c how strength turns into steps
     * @return a new value; this one is unchanged
     */
    public ImageInput withStepCount(StepCount c) {
        return new ImageInput(
                image, mask, strength, resize, maskBlur, invertMask, inpaintArea, maskedPadding, fill, sampling, c);
    }

    /** Equal options and the same image and mask objects (images compare by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ImageInput i
                && image == i.image
                && mask == i.mask
                && Objects.equals(strength, i.strength)
                && resize == i.resize
                && maskBlur == i.maskBlur
                && invertMask == i.invertMask
                && inpaintArea == i.inpaintArea
                && maskedPadding == i.maskedPadding
                && fill == i.fill
                && sampling == i.sampling
                && stepCount == i.stepCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                System.identityHashCode(image),
                System.identityHashCode(mask),
                strength,
                resize,
                maskBlur,
                invertMask,
                inpaintArea,
                maskedPadding,
                fill,
                sampling,
                stepCount);
    }

    @Override
    public String toString() {
        return "ImageInput[" + image.getWidth() + "x" + image.getHeight() + (mask != null ? ", mask" : "")
                + ", strength=" + strength + ", resize=" + resize + ", maskBlur=" + maskBlur + ", invertMask="
                + invertMask + ", inpaintArea=" + inpaintArea + ", maskedPadding=" + maskedPadding + ", fill=" + fill
                + ", sampling=" + sampling + ", stepCount=" + stepCount + "]";
    }
}
