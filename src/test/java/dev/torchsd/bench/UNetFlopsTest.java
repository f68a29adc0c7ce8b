package dev.torchsd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.TestModels;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analytic U-Net count against the op-by-op count of native/bench/unet_flops.py (torch's
 * dispatcher on meta tensors, torch 1.13), whose outputs are the expected numbers here:
 * {@code --size 512 --batch 1}, {@code --size 256 --batch 1}, {@code --size 200 --batch 2}
 * (a latent size that is not a multiple of 8, so the down- and upsampling sizes are exercised)
 * and, for the built-in model, {@code --preset shapes --size 64 --batch 2} (16x16 latents).
 */
class UNetFlopsTest {
    private static final String SD15_UNET = "{\"in_channels\": 4, \"out_channels\": 4, \"model_channels\": 320,"
            + " \"channel_mult\": [1, 2, 4, 4], \"num_res_blocks\": 2, \"attention_levels\": [0, 1, 2], \"num_heads\": 8,"
            + " \"head_channels\": -1, \"transformer_depth\": 1, \"context_dim\": 768, \"linear_projection\": false,"
            + " \"norm_groups\": 32}";

    @TempDir
    Path dir;

    @Test
    void sd15MatchesTheDispatcherCount() throws Exception {
        UNetFlops flops =
                UNetFlops.of(manifestWithUNet(JsonParser.parseString(SD15_UNET).getAsJsonObject()));
        assertThat(flops.perCall(1, 64, 64)).isEqualTo(803_273_441_280d);
        assertThat(flops.perCall(1, 32, 32)).isEqualTo(180_106_444_800d);
        assertThat(flops.perCall(2, 25, 25)).isEqualTo(246_610_037_760d);
    }

    @Test
    void builtinModelMatchesTheDispatcherCount() {
        UNetFlops flops = UNetFlops.of(Manifest.read(TestModels.builtinFolder()));
        assertThat(flops.perCall(2, 16, 16)).isEqualTo(354_074_624d);
    }

    @Test
    void manifestWithoutArchitectureIsRefusedWithTheReason() throws Exception {
        JsonObject root = builtinManifest();
        root.remove("exporter");
        Files.writeString(dir.resolve(Manifest.FILE_NAME), root.toString());
        assertThatThrownBy(() -> UNetFlops.of(Manifest.read(dir)))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("exporter.config.unet");
    }

    private Manifest manifestWithUNet(JsonObject unet) throws Exception {
        JsonObject root = builtinManifest();
        JsonObject config = root.getAsJsonObject("exporter").getAsJsonObject("config");
        config.add("unet", unet);
        config.getAsJsonObject("text").addProperty("max_length", 77);
        Files.writeString(dir.resolve(Manifest.FILE_NAME), root.toString());
        return Manifest.read(dir);
    }

    private static JsonObject builtinManifest() throws Exception {
        return JsonParser.parseString(
                        Files.readString(TestModels.builtinFolder().resolve(Manifest.FILE_NAME)))
                .getAsJsonObject();
    }
}
