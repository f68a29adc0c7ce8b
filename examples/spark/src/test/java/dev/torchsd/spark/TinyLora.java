package dev.torchsd.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * A rank-4 kohya LoRA of one module of the built-in model's text encoder (its first layer's q
 * projection, 32 x 32), written as safetensors: the smallest file that changes the built-in model's image.
 */
final class TinyLora {
    private static final String MODULE = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
    private static final int SIZE = 32;
    private static final int RANK = 4;

    private TinyLora() {}

    static Path write(Path file, long seed) throws IOException {
        Random random = new Random(seed);
        float[] down = gaussian(random, RANK * SIZE);
        float[] up = gaussian(random, SIZE * RANK);
        float[] alpha = {RANK / 2f};
        String header = String.format(
                Locale.ROOT,
                "{\"%1$s.lora_down.weight\":{\"dtype\":\"F32\",\"shape\":[%2$d,%3$d],\"data_offsets\":[0,%4$d]},"
                        + "\"%1$s.lora_up.weight\":{\"dtype\":\"F32\",\"shape\":[%3$d,%2$d],\"data_offsets\":[%4$d,%5$d]},"
                        + "\"%1$s.alpha\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[%5$d,%6$d]}}",
                MODULE,
                RANK,
                SIZE,
                4 * down.length,
                4 * (down.length + up.length),
                4 * (down.length + up.length + 1));
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length)
                .array());
        out.write(json);
        for (float[] values : new float[][] {down, up, alpha}) {
            ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                data.putFloat(v);
            }
            out.write(data.array());
        }
        return Files.write(file, out.toByteArray());
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * 0.2);
        }
        return v;
    }
}
