package dev.torchsd.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code torchsd embedding inspect} through the real command line. */
class EmbeddingInspectCommandTest {
    private static final String DIR = "src/test/resources/embeddings/";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
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
        assertTrue(text.contains(String.format(java.util.Locale.ROOT, "0   a1111                    %.4f", 3 * Math.sqrt(32))), text);
        assertTrue(text.contains(String.format(java.util.Locale.ROOT, "2   a1111_2                  %.4f", 5 * Math.sqrt(32))), text);
    }

    @Test
    void jsonForScripts() {
        assertEquals(0, run("embedding", "inspect", "--json", "--token", "neg", DIR + "sd1_negative_16x768.safetensors"));
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
    void refusedFileIsOneLineAndExitCodeTwo() {
        assertEquals(Main.USER_ERROR, run("embedding", "inspect", DIR + "os_system.pt"));
        String message = err.toString();
        assertTrue(message.startsWith("error: ") && message.contains("refused global 'posix.system'"), message);
        assertEquals(1, message.strip().lines().count(), message);
    }
}
