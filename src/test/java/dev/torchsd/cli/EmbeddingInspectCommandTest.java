package dev.torchsd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.TestSafetensors;
import dev.torchsd.model.BuiltinModel;
import dev.torchsd.model.Model;
import dev.torchsd.tensor.Tensors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code torchsd embedding inspect} through the real command line. */
class EmbeddingInspectCommandTest {
    private static final String DIR = "src/test/resources/embeddings/";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(args);
    }

    @Test
    void showsFormatTokensAndNorms() {
        assertEquals(0, run("embedding", "inspect", DIR + "a1111.bin"));
        String text = out.toString();
        assertTrue(text.contains("format:      AUTOMATIC1111 (string_to_param) in a torch archive (.pt/.bin)"), text);
        assertTrue(text.contains("token:       a1111"), text);
        assertTrue(text.contains("expands to:  a1111 a1111_1 a1111_2"), text);
        assertTrue(text.contains("stored name: <****>"), text);
        assertTrue(text.contains("vectors:     3"), text);
        assertTrue(text.contains("hidden size: 32"), text);
        // rows of 3s, 4s and 5s over 32 columns: norms 3√32, 4√32, 5√32
        assertTrue(
                text.contains(
                        String.format(java.util.Locale.ROOT, "0   a1111                    %.4f", 3 * Math.sqrt(32))),
                text);
        assertTrue(
                text.contains(
                        String.format(java.util.Locale.ROOT, "2   a1111_2                  %.4f", 5 * Math.sqrt(32))),
                text);
    }

    @Test
    void jsonForScripts() {
        assertEquals(
                0, run("embedding", "inspect", "--json", "--token", "neg", DIR + "sd1_negative_16x768.safetensors"));
        JsonObject json = JsonParser.parseString(out.toString()).getAsJsonObject();
        assertEquals("EMB_PARAMS", json.get("layout").getAsString());
        assertEquals("SAFETENSORS", json.get("container").getAsString());
        assertEquals(16, json.get("vectorCount").getAsInt());
        assertEquals("neg_15", json.getAsJsonArray("tokens").get(15).getAsString());
        assertEquals("float16", json.get("dtype").getAsString());
        JsonObject set = json.getAsJsonArray("vectorSets").get(0).getAsJsonObject();
        assertEquals(768, set.get("hiddenSize").getAsInt());
        assertEquals(16, set.getAsJsonArray("norms").size());
    }

    @Test
    void sdxlShowsBothHalves() {
        assertEquals(0, run("embedding", "inspect", DIR + "sdxl_pair.safetensors"));
        assertTrue(out.toString().contains("clip_l hidden size: 768"), out.toString());
        assertTrue(out.toString().contains("clip_g hidden size: 1280"), out.toString());
    }

    @Test
    void nanValuesAreShownAsAWarning() {
        assertEquals(0, run("embedding", "inspect", DIR + "nan_values.safetensors"));
        assertTrue(out.toString().contains("warning: vector 1 of 'emb_params' holds 2 NaN values"), out.toString());
    }

    @Test
    void nearestFindsTheTableRowsTheVectorsWereCopiedFrom(@TempDir Path tmp) throws Exception {
        // an embedding whose vectors are rows 300 and 123 of the built-in model's table (the second scaled by 2:
        // cosine depends on direction only, so its nearest token is still row 123, with cosine 1)
        Path folder = BuiltinModel.folder();
        float[] row300;
        float[] row123;
        float[][] table;
        try (Model model = Model.loadBuiltin()) {
            float[] flat = Tensors.toFloats(model.textEncoder().tokenTable());
            table = new float[flat.length / 32][];
            for (int i = 0; i < table.length; i++) {
                table[i] = Arrays.copyOfRange(flat, i * 32, (i + 1) * 32);
            }
        }
        row300 = table[300];
        row123 = table[123].clone();
        for (int i = 0; i < 32; i++) {
            row123[i] *= 2;
        }
        Path file = tmp.resolve("copied.safetensors");
        writeSafetensors(file, "emb_params", new float[][] {row300, row123});

        assertEquals(
                0,
                run("embedding", "inspect", "--json", "--model", folder.toString(), "--nearest", "5", file.toString()),
                err.toString());
        JsonObject json = JsonParser.parseString(out.toString()).getAsJsonObject();
        JsonArray nearest = json.getAsJsonArray("nearest");
        JsonObject first = nearest.get(0).getAsJsonArray().get(0).getAsJsonObject();
        assertEquals(300, first.get("id").getAsInt());
        assertEquals(1.0, first.get("cosine").getAsDouble(), 1e-6);
        JsonObject second = nearest.get(1).getAsJsonArray().get(0).getAsJsonObject();
        assertEquals(123, second.get("id").getAsInt());
        assertEquals(1.0, second.get("cosine").getAsDouble(), 1e-6);
        // the ranking agrees with a brute-force search in Java
        JsonArray five = nearest.get(0).getAsJsonArray();
        double[] cosines = new double[table.length];
        for (int id = 0; id < table.length; id++) {
            cosines[id] = cosine(row300, table[id]);
        }
        Integer[] order = new Integer[table.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(cosines[b], cosines[a]));
        for (int k = 0; k < 5; k++) {
            assertEquals(
                    order[k].intValue(), five.get(k).getAsJsonObject().get("id").getAsInt(), "rank " + k);
            assertEquals(
                    cosines[order[k]],
                    five.get(k).getAsJsonObject().get("cosine").getAsDouble(),
                    1e-5);
        }
    }

    @Test
    void nearestNeedsAModelAndTheRightWidth() {
        assertEquals(Main.USER_ERROR, run("embedding", "inspect", "--nearest", "3", DIR + "a1111.bin"));
        assertTrue(err.toString().contains("--nearest needs --model DIR"), err.toString());
        assertEquals(
                Main.USER_ERROR,
                run("embedding", "inspect", "--model", BuiltinModel.folder().toString(), DIR + "sd1-style.pt"));
        assertTrue(
                err.toString().contains("vectors are 768 wide, but the model's text encoder expects 32"),
                err.toString());
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** A float32 safetensors file with one [n, d] tensor. */
    static void writeSafetensors(Path file, String name, float[][] rows) throws Exception {
        float[] values = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, values, i * rows[0].length, rows[0].length);
        }
        TestSafetensors.write(
                file,
                java.util.Map.of(name, new TestSafetensors.Values(new long[] {rows.length, rows[0].length}, values)),
                java.util.Map.of());
    }

    @Test
    void refusedFileIsOneLineAndExitCodeTwo() {
        assertEquals(Main.USER_ERROR, run("embedding", "inspect", DIR + "os_system.pt"));
        String message = err.toString();
        assertTrue(message.startsWith("error: ") && message.contains("refused global 'posix.system'"), message);
        assertEquals(1, message.strip().lines().count(), message);
    }
}
