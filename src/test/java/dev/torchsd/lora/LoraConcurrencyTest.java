package dev.torchsd.lora;

import static dev.torchsd.lora.KohyaModules.TE_Q;
import static dev.torchsd.lora.KohyaModules.TE_Q_SIZE;
import static dev.torchsd.lora.KohyaModules.UNET_Q;
import static dev.torchsd.lora.KohyaModules.UNET_Q_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests with different LoRA sets (none, A, B, A and B) from four threads at once: each gets
 * exactly the latents it gets alone, and after the last the base weights are back and no original
 * is held any more.
 */
class LoraConcurrencyTest {
    @TempDir
    static Path dir;

    static StableDiffusion sd;
    static List<GenerationRequest> requests = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        sd = StableDiffusion.builtin();
        Path a = new KohyaModules(21)
                .linear(TE_Q, TE_Q_SIZE, TE_Q_SIZE, 4)
                .linear(UNET_Q, UNET_Q_SIZE, UNET_Q_SIZE, 4)
                .write(dir.resolve("a.safetensors"));
        Path b =
                new KohyaModules(22).linear(UNET_Q, UNET_Q_SIZE, UNET_Q_SIZE, 4).write(dir.resolve("b.safetensors"));
        GenerationRequest plain = GenerationRequest.builder("a small green triangle at the top, red background")
                .seed(5)
                .steps(3)
                .build();
        requests.add(plain);
        requests.add(plain.withLora(LoraWeight.of(a, 1)));
        requests.add(plain.withLora(LoraWeight.of(b, 0.7)));
        requests.add(plain.withLora(LoraWeight.of(a, 0.5)).withLora(LoraWeight.of(b, 1)));
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @Test
    void eachRequestGetsExactlyItsOwnWeights() throws Exception {
        List<float[]> alone = new ArrayList<>();
        for (GenerationRequest r : requests) {
            alone.add(sd.generate(r).latents().values());
        }
        for (int i = 1; i < alone.size(); i++) {
            assertThat(alone.get(i)).as("set %d changes the result", i).isNotEqualTo(alone.get(0));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            List<Integer> which = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < requests.size(); i++) {
                    int k = (i + round) % requests.size();
                    which.add(k);
                    futures.add(pool.submit(
                            () -> sd.generate(requests.get(k)).latents().values()));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get())
                        .as("request %d (set %d)", i, which.get(i))
                        .isEqualTo(alone.get(which.get(i)));
            }
        } finally {
            pool.shutdown();
        }
        assertThat(sd.generate(requests.get(0)).latents().values()).isEqualTo(alone.get(0));
        assertThat(Internals.model(sd).keptOriginals()).isZero();
    }
}
