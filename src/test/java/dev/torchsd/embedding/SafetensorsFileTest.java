package dev.torchsd.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The general safetensors reader: header entries, metadata, one tensor at a time. */
class SafetensorsFileTest {

    @Test
    void listsEntriesAndMetadata() {
        SafetensorsFile file = SafetensorsFile.open(Fixtures.file("sdxl_pair.safetensors"));
        assertEquals(List.of("clip_g", "clip_l"), List.copyOf(file.names()));
        SafetensorsFile.Entry clipG = file.entry("clip_g");
        assertEquals(DType.F16, clipG.dtype());
        assertArrayEquals(new long[] {2, 1280}, clipG.shape());
        assertEquals(2 * 1280 * 2, clipG.byteLength());
        assertEquals(
                Map.of("format", "pt"),
                SafetensorsFile.open(Fixtures.file("learned_embeds.safetensors"))
                        .metadata());
    }

    @Test
    void readsOneTensorAtATime() {
        SafetensorsFile file = SafetensorsFile.open(Fixtures.file("sdxl_pair.safetensors"));
        StoredTensor clipL = file.read("clip_l");
        assertEquals(DType.F16, clipL.dtype());
        assertEquals(2 * 768, clipL.toFloats().length);
        EmbeddingException missing = assertThrows(EmbeddingException.class, () -> file.read("clip_x"));
        assertTrue(
                missing.getMessage().contains("no tensor 'clip_x'; the file holds [clip_g, clip_l]"),
                missing.getMessage());
    }

    @Test
    void keepsOtherDtypesInTheHeaderButOnlyDecodesFloats() {
        SafetensorsFile file = SafetensorsFile.open(Fixtures.file("int64.safetensors"));
        StoredTensor ids = file.read("emb_params");
        assertEquals(DType.I64, ids.dtype());
        assertEquals(64, ids.elementCount());
        EmbeddingException error = assertThrows(EmbeddingException.class, ids::toFloats);
        assertTrue(error.getMessage().contains("int64"), error.getMessage());
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertEquals(0x1p-24f, DType.halfToFloat(0x0001)); // smallest subnormal
        assertEquals(65504f, DType.halfToFloat(0x7bff)); // largest normal
        assertEquals(Float.NEGATIVE_INFINITY, DType.halfToFloat(0xfc00));
        assertTrue(Float.isNaN(DType.halfToFloat(0x7e00)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(DType.halfToFloat(0x8000)));
    }
}
