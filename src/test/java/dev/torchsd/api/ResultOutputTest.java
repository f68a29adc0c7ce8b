package dev.torchsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.StableDiffusion;
import dev.torchsd.image.PngWriter;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.pipeline.RequestException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a result writes: whole batches, PNGs to streams, the final latents; and starting from given latents. */
class ResultOutputTest {
    static StableDiffusion sd;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @Test
    void aBatchIsSavedWholeOrRefused(@TempDir Path tmp) throws Exception {
        GenerationResult batch =
                sd.generate(GenerationRequest.of("a blue square").withSteps(4).withBatchSize(3));
        assertThatThrownBy(() -> batch.save(tmp.resolve("one.png")))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("3 images")
                .hasMessageContaining("saveAll");
        assertThat(tmp.resolve("one.png")).doesNotExist();
        List<Path> files = batch.saveAll(tmp.resolve("all.png"));
        assertThat(files)
                .extracting(p -> p.getFileName().toString())
                .containsExactly("all-1.png", "all-2.png", "all-3.png");
        for (int i = 0; i < 3; i++) {
            assertThat(samePixels(
                            ImageIO.read(files.get(i).toFile()), batch.images().get(i)))
                    .isTrue();
        }
        try (var listing = Files.list(tmp)) {
            assertThat(listing.map(p -> p.getFileName().toString())).allMatch(n -> !n.endsWith(".part"));
        }
    }

    @Test
    void aPngWrittenToAStreamEqualsTheFile(@TempDir Path tmp) throws Exception {
        GenerationResult result =
                sd.generate(GenerationRequest.of("a green triangle").withSteps(4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        result.writePng(0, out);
        Path file = result.save(tmp.resolve("a.png"));
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file));
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(samePixels(read, result.image())).isTrue();
        assertThat(PngWriter.readParameters(file)).isEqualTo(result.infotext());
    }

    @Test
    void theFinalLatentsComeBackAndTheSeedsNoiseGivenAsLatentsIsTheSeedsImage() {
        GenerationRequest request = GenerationRequest.of("a red circle on the left")
                .withSteps(5)
                .withSeed(21)
                .withScheduler("DDIM");
        GenerationResult seeded = sd.generate(request);
        Latents latents = seeded.latents();
        assertThat(latents.shape()).containsExactly(1, 4, 16, 16);
        assertThat(Latents.fromNpy(latents.toNpy(), "round trip")).isEqualTo(latents);
        // diffusers' latents= argument: the seed's own noise, given explicitly, gives the seed's image bit for bit
        Latents noise;
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            var generator = dev.torchsd.generation.InitialNoise.generator(21);
            var tensor = dev.torchsd.generation.InitialNoise.sample(generator, 1, 4, 16, 16);
            noise = new Latents(dev.torchsd.tensor.Tensors.shape(tensor), dev.torchsd.tensor.Tensors.toFloats(tensor));
        }
        GenerationResult fromGiven = sd.generate(request.withSeed(999).withInitialLatents(noise));
        assertThat(samePixels(fromGiven.image(), seeded.image())).isTrue();
        assertThat(fromGiven.latents()).isEqualTo(latents);
        assertThatThrownBy(() ->
                        sd.generate(request.withInitialLatents(new Latents(new long[] {1, 4, 8, 8}, new float[256]))))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("[1, 4, 8, 8]")
                .hasMessageContaining("[1, 4, 16, 16]");
    }

    private static boolean samePixels(BufferedImage a, BufferedImage b) {
        return a.getWidth() == b.getWidth()
                && a.getHeight() == b.getHeight()
                && dev.torchsd.Differences.maxPixelDifference(a, b) == 0;
    }
}
