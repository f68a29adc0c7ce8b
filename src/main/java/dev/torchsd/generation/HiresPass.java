package dev.torchsd.generation;

import dev.torchsd.image.LanczosResize;
import dev.torchsd.image.Pixels;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.HiresFix;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AUTOMATIC1111's hires fix ({@link HiresFix}): the request generated at its size, the result
 * upscaled (the latents bilinear or nearest, as {@code F.interpolate(size=...)}; or the image with
 * PIL's Lanczos), then image-to-image at the larger size with the fix's strength and steps, seeded
 * again with the request's seed, merging tokens at the fix's ratio if it has one. A latent upscale
 * starts the second pass from the upscaled latents (no decode and encode); a Lanczos upscale encodes
 * the upscaled image, exactly as an image-to-image request from that image would.
 */
final class HiresPass {
    private HiresPass() {}

    /** The two passes of resolved request {@code r}; {@code pass} runs one request, from given image latents or none. */
    static GenerationResult generate(
            GenerationRequest r, int scaleFactor, BiFunction<GenerationRequest, Latents, GenerationResult> pass) {
        HiresFix fix = r.hiresFix().orElseThrow();
        GenerationResult first = pass.apply(r.withHiresFix(null), null);
        int w = r.width().getAsInt();
        int h = r.height().getAsInt();
        int tw = targetSize(w, fix);
        int th = targetSize(h, fix);
        BufferedImage image = first.image();
        BufferedImage upscaled = Pixels.image(LanczosResize.rgb(Pixels.rgb(image), w, h, tw, th), tw, th);
        GenerationRequest second = r.toBuilder()
                .hiresFix(null)
                .size(tw, th)
                .steps(fix.steps() > 0 ? fix.steps() : r.steps())
                .tokenMerging(r.tokenMerging().forHires(fix))
                .image(ImageInput.of(upscaled).withStrength(fix.strength()))
                .build();
        Latents latents = fix.upscaler() == HiresFix.Upscaler.LANCZOS
                ? null
                : upscale(first.latents(), th / scaleFactor, tw / scaleFactor, fix.upscaler());
        GenerationResult result = pass.apply(second, latents);
        return new GenerationResult(
                r.toBuilder()
                        .scheduler(result.request().scheduler().orElse(null))
                        .build(),
                result.modelName(),
                result.sampler(),
                result.images(),
                result.latents(),
                result.warnings());
    }

    /** AUTOMATIC1111's {@code int(size * hr_scale)}. */
    static int targetSize(int size, HiresFix fix) {
        return (int) (size * fix.scale());
    }

    private static Latents upscale(Latents latents, int height, int width, HiresFix.Upscaler upscaler) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.fromFloats(latents.values(), latents.shape());
            long[] size = {height, width};
            Tensor up = upscaler == HiresFix.Upscaler.LATENT
                    ? torch.upsample_bilinear2d(t, size, false)
                    : torch.upsample_nearest2d(t, size);
            return new Latents(Tensors.shape(up), Tensors.toFloats(up));
        }
    }
}
