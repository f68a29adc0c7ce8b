package dev.torchsd.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.torchsd.TestSafetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every fixture format read by our readers gives exactly the values torch put in it. */
class TextualInversionReaderTest {

    static List<String> validFixtures() {
        return Fixtures.expected().keySet().stream()
                .filter(k -> !k.equals("refused"))
                .sorted()
                .collect(Collectors.toList());
    }

    static List<String> refusedFixtures() {
        return Fixtures.expected().getAsJsonObject("refused").keySet().stream()
                .sorted()
                .collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFixtures")
    void readsWhatTorchWrote(String name) {
        JsonObject expected = Fixtures.expected().getAsJsonObject(name);
        TextualInversion ti = TextualInversionReader.read(Fixtures.file(name));

        assertEquals(
                expected.get("container").getAsString(), ti.format().container().name());
        assertEquals(expected.get("layout").getAsString(), ti.format().layout().name());
        assertEquals(expected.get("defaultToken").getAsString(), ti.defaultToken());
        JsonElement storedName = expected.get("storedName");
        assertEquals(storedName.isJsonNull() ? null : storedName.getAsString(), ti.storedName());
        assertEquals(expected.get("dtype").getAsString(), ti.dtype().torchName());
        assertEquals(expected.get("warnings").getAsInt(), ti.warnings().size(), () -> "warnings: " + ti.warnings());

        JsonArray sets = expected.getAsJsonArray("sets");
        assertEquals(sets.size(), ti.vectorSets().size());
        for (int s = 0; s < sets.size(); s++) {
            JsonObject set = sets.get(s).getAsJsonObject();
            VectorSet actual = ti.vectorSets().get(s);
            assertEquals(set.get("key").getAsString(), actual.key());
            assertEquals(set.get("vectors").getAsInt(), actual.vectorCount());
            assertEquals(set.get("hidden").getAsInt(), actual.hiddenSize());
            if (set.has("values")) {
                JsonArray rows = set.getAsJsonArray("values");
                for (int r = 0; r < rows.size(); r++) {
                    JsonArray row = rows.get(r).getAsJsonArray();
                    float[] expectedRow = new float[row.size()];
                    for (int c = 0; c < expectedRow.length; c++) {
                        expectedRow[c] = row.get(c).getAsFloat();
                    }
                    assertArrayEquals(expectedRow, actual.rows()[r], 0f, name + " row " + r);
                }
            } else {
                for (JsonElement sample : set.getAsJsonArray("samples")) {
                    JsonArray rcv = sample.getAsJsonArray();
                    float value =
                            actual.rows()[rcv.get(0).getAsInt()][rcv.get(1).getAsInt()];
                    assertEquals(rcv.get(2).getAsFloat(), value, 0f, name + " " + rcv);
                }
            }
            JsonArray sums = set.getAsJsonArray("rowSums");
            JsonArray norms = set.getAsJsonArray("norms");
            double[] actualNorms = actual.norms();
            for (int r = 0; r < actual.vectorCount(); r++) {
                double sum = 0;
                for (float v : actual.rows()[r]) {
                    sum += v;
                }
                assertClose(sums.get(r).getAsDouble(), sum, name + " sum of row " + r);
                assertClose(norms.get(r).getAsDouble(), actualNorms[r], name + " norm of row " + r);
            }
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN, found " + actual);
            return;
        }
        assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)), what);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedFixtures")
    void refusesBadFilesWithAClearMessage(String name) {
        String reason = Fixtures.expected().getAsJsonObject("refused").get(name).getAsString();
        Path file = Fixtures.file(name);
        EmbeddingException error = assertThrows(EmbeddingException.class, () -> TextualInversionReader.read(file));
        assertTrue(
                error.getMessage().contains(file.toString()),
                () -> "message should name the file: " + error.getMessage());
        assertTrue(
                error.getMessage().contains(reason),
                () -> "message should say '" + reason + "': " + error.getMessage());
    }

    @Test
    void aSafetensorsFileWhoseHeaderLengthStartsLikeAPickleIsReadAsSafetensors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pickle-like.safetensors");
        float[] values = new float[2 * 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f;
        }
        TestSafetensors.writeStartingLikeAPickle(
                file, Map.of("emb_params", new TestSafetensors.Values(new long[] {2, 8}, values)), Map.of());
        float[][] vectors = TextualInversionReader.read(file).vectorsFor(8);
        assertEquals(2, vectors.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(values, 8, 16), vectors[1]);
    }

    @Test
    void neverRunsWhatAPickleAsksFor() {
        Path marker = Path.of("/tmp/torchsd-embedding-test-pwned");
        for (String name : List.of("os_system.pt", "builtins_eval.pt", "inst_opcode.pt")) {
            assertThrows(EmbeddingException.class, () -> TextualInversionReader.read(Fixtures.file(name)));
        }
        assertFalse(Files.exists(marker), "a refused pickle must not have run: " + marker + " exists");
    }

    @Test
    void diffusersTestCasesGiveItsTokensAndRowSums() {
        // tests/pipelines/test_pipelines.py::test_text_inversion_download: row sums 32 / 96, 128, 160
        TextualInversion one = TextualInversionReader.read(Fixtures.file("diffusers_one_vector.bin"));
        assertEquals("<*>", one.defaultToken());
        assertEquals(1, one.vectorCount());
        assertEquals(32.0, sum(one.vectorsFor(32)[0]));

        TextualInversion a1111 = TextualInversionReader.read(Fixtures.file("a1111.bin"));
        assertEquals("<****>", a1111.storedName());
        float[][] rows = a1111.vectorsFor(32);
        assertEquals(List.of(96.0, 128.0, 160.0), List.of(sum(rows[0]), sum(rows[1]), sum(rows[2])));
    }

    @Test
    void vectorsForRefusesAnotherWidthAndSdxl() {
        TextualInversion sd1 = TextualInversionReader.read(Fixtures.file("sd1_negative_16x768.safetensors"));
        assertEquals(16, sd1.vectorsFor(768).length);
        EmbeddingException wrongWidth = assertThrows(EmbeddingException.class, () -> sd1.vectorsFor(1024));
        assertTrue(
                wrongWidth.getMessage().contains("768 wide")
                        && wrongWidth.getMessage().contains("expects 1024"),
                wrongWidth.getMessage());

        TextualInversion sdxl = TextualInversionReader.read(Fixtures.file("sdxl_pair.safetensors"));
        assertEquals(
                Map.of("clip_l", 768, "clip_g", 1280),
                sdxl.vectorSets().stream().collect(Collectors.toMap(VectorSet::key, VectorSet::hiddenSize)));
        EmbeddingException refused = assertThrows(EmbeddingException.class, () -> sdxl.vectorsFor(768));
        assertTrue(refused.getMessage().contains("SDXL embedding"), refused.getMessage());
    }

    @Test
    void nanValuesAreLoadedWithAWarningNamingTheVector() {
        TextualInversion ti = TextualInversionReader.read(Fixtures.file("nan_values.safetensors"));
        assertEquals(1, ti.warnings().size());
        assertTrue(
                ti.warnings().get(0).startsWith("vector 1 of 'emb_params' holds 2 NaN values"),
                ti.warnings().get(0));
    }

    private static double sum(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum;
    }
}
