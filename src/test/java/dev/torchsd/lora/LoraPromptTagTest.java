package dev.torchsd.lora;

import static dev.torchsd.lora.KohyaModules.TE_Q;
import static dev.torchsd.lora.KohyaModules.TE_Q_SIZE;
import static dev.torchsd.lora.KohyaModules.UNET_Q;
import static dev.torchsd.lora.KohyaModules.UNET_Q_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.LoraWeight;
import dev.torchsd.pipeline.PromptSyntax;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AUTOMATIC1111's {@code <lora:name:te:unet>}: looked up in the folder, removed from the encoded text, kept in the infotext with the hash. */
class LoraPromptTagTest {
    static final String SCENE = "a large blue square on the right, yellow background";

    @TempDir
    static Path dir;

    static StableDiffusion sd;
    static Path style;

    @BeforeAll
    static void load() throws Exception {
        sd = StableDiffusion.builtin();
        style = new KohyaModules(11)
                .linear(TE_Q, TE_Q_SIZE, TE_Q_SIZE, 4)
                .linear(UNET_Q, UNET_Q_SIZE, UNET_Q_SIZE, 4)
                .write(dir.resolve("style.safetensors"));
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static GenerationRequest a1111(String prompt) {
        return GenerationRequest.builder(prompt)
                .promptSyntax(PromptSyntax.A1111)
                .seed(3)
                .steps(3)
                .loraFolder(dir)
                .build();
    }

    @Test
    void aTagIsTheFileWithItsWeights() {
        GenerationResult tagged = sd.generate(a1111("<lora:style:0.8:0.3>" + SCENE));
        GenerationResult explicit = sd.generate(a1111(SCENE).withLora(new LoraWeight(style, 0.8, 0.3)));
        assertThat(tagged.latents().values()).isEqualTo(explicit.latents().values());
        GenerationResult named = sd.generate(a1111(SCENE + "<lora:style:unet=0.3:te=0.8>"));
        assertThat(named.latents().values()).isEqualTo(explicit.latents().values());
        GenerationResult teOnly = sd.generate(a1111("<lora:style:0.8:0>" + SCENE));
        assertThat(teOnly.latents().values()).isNotEqualTo(explicit.latents().values());
    }

    @Test
    void theInfotextKeepsTheTagAndGivesTheShortHash() throws Exception {
        GenerationResult r = sd.generate(a1111("<lora:style:0.8>" + SCENE));
        assertThat(r.infotext())
                .startsWith("<lora:style:0.8>" + SCENE + "\n")
                .contains("Lora hashes: \"style: " + addnetHash(style).substring(0, 12) + "\"");
    }

    @Test
    void plainSyntaxWarnsThatTagsAreText() {
        GenerationResult r = sd.generate(GenerationRequest.builder("<lora:style:1>" + SCENE)
                .seed(3)
                .steps(3)
                .build());
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("AUTOMATIC1111 prompt syntax"));
    }

    /** sd-scripts' hash of a safetensors file: SHA-256 of what follows the header. */
    static String addnetHash(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        long header =
                ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] data = Arrays.copyOfRange(bytes, (int) (8 + header), bytes.length);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
