package dev.torchsd.lora;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.TestSafetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Formats are recognised by content: a safetensors LoRA whose header length's first byte is 0x80 (one
 * file in 256, e.g. an SDXL LoRA with a 65,664-byte header) is not taken for a pickle.
 */
class LoraFileContentTest {
    @TempDir
    Path dir;

    @Test
    void aSafetensorsFileWhoseHeaderLengthStartsLikeAPickleIsReadAsSafetensors() throws Exception {
        KohyaModules modules = new KohyaModules(1).linear(KohyaModules.UNET_Q, 64, 64, 4);
        Path file = dir.resolve("pickle-like.safetensors");
        Path plain = modules.write(dir.resolve("plain.safetensors"));
        TestSafetensors.writeStartingLikeAPickle(file, modules.tensors(), Map.of());
        assertThat(Files.readAllBytes(file)[0] & 0xff).isEqualTo(0x80);
        LoraModule read = LoraReader.read(file).modules().get(0);
        LoraModule expected = LoraReader.read(plain).modules().get(0);
        assertThat(read.key()).isEqualTo(KohyaModules.UNET_Q);
        assertThat(read.rank()).isEqualTo(4);
        assertThat(read.alpha()).isEqualTo(expected.alpha());
        assertThat(read.tensors().keySet()).isEqualTo(expected.tensors().keySet());
    }
}
