package dev.torchsd.pipeline;

import dev.torchsd.image.PngWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The images of one request, with what made them.
 *
 * @param request   the request with the model's defaults filled in (size and scheduler always present)
 * @param modelName the manifest's model name
 * @param sampler   the sampler as the user named it, or the model scheduler's canonical name
 * @param images    one image per batch entry
 * @param latents   the final latents (before the division by the VAE's scaling factor), all batch entries
 * @param warnings  things the user should know (e.g. a prompt truncated to 77 tokens)
 */
public record GenerationResult(
        GenerationRequest request,
        String modelName,
        String sampler,
        List<BufferedImage> images,
        Latents latents,
        List<String> warnings) {

    /**
     * Copies the lists: the result does not change when the caller's do.
     *
     * @param request   the request with the model's defaults filled in
     * @param modelName the manifest's model name
     * @param sampler   the sampler's name
     * @param images    one image per batch entry
     * @param latents   the final latents
     * @param warnings  things the user should know
     */
    public GenerationResult {
        images = List.copyOf(images);
        warnings = List.copyOf(warnings);
    }

    /**
     * The first (for a batch of one: the) image.
     *
     * @return the image of batch entry 0
     */
    public BufferedImage image() {
        return images.get(0);
    }

    /**
     * AUTOMATIC1111's "parameters" text for these images.
     *
     * @return the text, as written into every PNG (see {@link Infotext})
     */
    public String infotext() {
        return Infotext.format(request, sampler, modelName);
    }

    /**
     * The image a refiner made from this base model's latents, as one result: the refiner's images, latents and
     * sampler under this result's model name, its request naming the refiner ({@link GenerationRequest#refiner()}),
     * so that the infotext reads as AUTOMATIC1111's: {@code Model: base, ..., Refiner: refiner, Refiner switch at:
     * 0.8}. The warnings of both.
     *
     * @param refined the refiner's result, generated from this result's {@link #latents()}
     * @return a new result; neither is changed
     */
    public GenerationResult refinedBy(GenerationResult refined) {
        List<String> both = new ArrayList<>(warnings);
        both.addAll(refined.warnings());
        return new GenerationResult(
                refined.request().toBuilder().refiner(refined.modelName()).build(),
                modelName,
                refined.sampler(),
                refined.images(),
                refined.latents(),
                both);
    }

    /**
     * Writes the image of a batch of one as a PNG with the infotext; the file appears whole or not at
     * all. A batch of more refuses (use {@link #saveAll(Path)}), rather than writing only one of them.
     *
     * @param file the PNG file to write; an existing file is replaced
     * @return {@code file}
     * @throws RequestException if the result holds more than one image
     * @throws dev.torchsd.error.TorchsdException naming the file if it cannot be written
     */
    public Path save(Path file) {
        if (images.size() != 1) {
            throw new RequestException("this result holds " + images.size() + " images; save(Path) writes a"
                    + " batch of one: use saveAll(Path) for " + file);
        }
        PngWriter.write(images.get(0), infotext(), file);
        return file;
    }

    /**
     * Writes every image: a batch of one to {@code file}, a larger batch to {@code name-1.png},
     * {@code name-2.png}, ... beside it. Each file appears whole or not at all.
     *
     * @param file the PNG file for a batch of one, the name to number for a larger batch
     * @return the files written, in batch order
     * @throws dev.torchsd.error.TorchsdException naming the file if one cannot be written
     */
    public List<Path> saveAll(Path file) {
        if (images.size() == 1) {
            return List.of(save(file));
        }
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Path target = numbered(file, i + 1);
            PngWriter.write(images.get(i), infotext(), target);
            written.add(target);
        }
        return written;
    }

    /**
     * Writes image {@code index} as a PNG with the infotext to {@code out}, which stays open.
     *
     * @param index the batch entry, from 0
     * @param out where the PNG's bytes go
     * @throws IOException if {@code out} fails
     * @throws IndexOutOfBoundsException if there is no image {@code index}
     */
    public void writePng(int index, OutputStream out) throws IOException {
        PngWriter.write(images.get(index), infotext(), out);
    }

    static Path numbered(Path file, int n) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
        return file.resolveSibling(numbered);
    }
}
