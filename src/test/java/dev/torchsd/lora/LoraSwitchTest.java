package dev.torchsd.lora;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Switching between sets on different layers of the same shape: the copies of the layers the first set
 * leaves are reused for the layers the second one touches, and every result is what that set gives
 * when merged into the base weights; the base comes back bit for bit.
 */
class LoraSwitchTest {
    static final String UNET_K = KohyaModules.UNET_Q.replace("_to_q", "_to_k");

    @TempDir
    Path dir;

    static GenerationRequest request() {
        return GenerationRequest.builder("a large yellow triangle on the left, blue background")
                .seed(3)
                .steps(3)
                .build();
    }

    @Test
    void aSwitchToOtherLayersEqualsMergingIntoTheBase() throws Exception {
        long size = KohyaModules.UNET_Q_SIZE;
        Path q = new KohyaModules(1).linear(KohyaModules.UNET_Q, size, size, 4).write(dir.resolve("q.safetensors"));
        Path k = new KohyaModules(2).linear(UNET_K, size, size, 4).write(dir.resolve("k.safetensors"));
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            float[] base = sd.generate(request()).latents().values();
            float[] kAlone = sd.generate(request().withLora(LoraWeight.of(k, 1)))
                    .latents()
                    .values();
            float[] qAlone = sd.generate(request().withLora(LoraWeight.of(q, 1)))
                    .latents()
                    .values();
            assertThat(Internals.model(sd).keptOriginals()).isEqualTo(1);
            float[] kAfterQ = sd.generate(request().withLora(LoraWeight.of(k, 1)))
                    .latents()
                    .values();
            assertThat(Internals.model(sd).keptOriginals()).isEqualTo(1);
            float[] qAfterK = sd.generate(request().withLora(LoraWeight.of(q, 1)))
                    .latents()
                    .values();
            assertThat(kAlone).isNotEqualTo(base).isNotEqualTo(qAlone);
            assertThat(kAfterQ).isEqualTo(kAlone);
            assertThat(qAfterK).isEqualTo(qAlone);
            assertThat(sd.generate(request()).latents().values()).isEqualTo(base);
            assertThat(Internals.model(sd).keptOriginals()).isZero();
        }
    }
}
