package dev.torchsd.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.lora.KohyaModules;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA merge gives the touched parameter new memory and keeps its loaded memory as the original
 * (no copy of the weights is made); restoring hands the loaded memory back to the module. Seen from the
 * module's own parameters: what the U-Net computes with.
 */
class LoraParameterMemoryTest {
    @TempDir
    Path dir;

    /** Where each U-Net parameter's values live now. */
    private static Map<String, Long> addresses(Model m) {
        Map<String, Tensor> parameters =
                ModuleTensors.namedParameters(m.unet().module().jit());
        Map<String, Long> out = new HashMap<>();
        parameters.forEach((name, t) -> {
            out.put(name, t.data_ptr().address());
            t.close();
        });
        return out;
    }

    @Test
    void theMergedParameterGetsNewMemoryAndTheLoadedMemoryComesBack() throws Exception {
        long size = KohyaModules.UNET_Q_SIZE;
        Path q = new KohyaModules(1).linear(KohyaModules.UNET_Q, size, size, 4).write(dir.resolve("q.safetensors"));
        GenerationRequest request =
                GenerationRequest.builder("a red circle").seed(1).steps(2).build();
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            Model m = Internals.model(sd);
            Map<String, Long> loaded = addresses(m);
            float[] base = sd.generate(request).latents().values();
            float[] withLora =
                    sd.generate(request.withLora(LoraWeight.of(q, 1))).latents().values();
            Map<String, Long> merged = addresses(m); // the set stays merged until a request wants another
            long moved = loaded.keySet().stream()
                    .filter(name -> !loaded.get(name).equals(merged.get(name)))
                    .count();
            assertThat(moved).as("parameters with new memory while merged").isEqualTo(1);
            assertThat(withLora).isNotEqualTo(base);
            assertThat(sd.generate(request).latents().values()).isEqualTo(base);
            assertThat(addresses(m)).as("after restoring: the loaded memory").isEqualTo(loaded);
        }
    }
}
