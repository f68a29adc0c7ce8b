package dev.torchsd.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hand-assembled pickles: plain data is read, anything else is refused where it first appears. */
class RestrictedUnpicklerTest {

    @Test
    void readsPlainDataOfProtocolTwoAndFour() {
        // protocol 4: {'name': 'x', 'step': 70000, 'flags': (True, None, 1.5), 'ids': [1, 2]}
        byte[] pickle = bytes(
                0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, '}', 0x94, '(', 0x8c, 4, "name", 0x94, 0x8c, 1, "x", 0x94, 0x8c,
                4, "step", 'J', 0x70, 0x11, 0x01, 0x00, 0x8c, 5, "flags", 0x88, 'N', 'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
                0x87, 0x8c, 3, "ids", ']', 0x94, '(', 'K', 1, 'K', 2, 'e', 'u', '.');
        Map<?, ?> value = (Map<?, ?>) RestrictedUnpickler.load(pickle, "test");
        assertEquals("x", value.get("name"));
        assertEquals(70000L, value.get("step"));
        List<?> flags = (List<?>) value.get("flags");
        assertEquals(true, flags.get(0));
        assertNull(flags.get(1));
        assertEquals(1.5, flags.get(2));
        assertEquals(List.of(1L, 2L), value.get("ids"));
    }

    @Test
    void refusesAGlobalBeforeReadingAnythingAfterIt() {
        // GLOBAL os.system, then bytes that would be a truncation error if they were ever read
        byte[] pickle = bytes(0x80, 2, 'c', "os\nsystem\n", 'X', 0xff, 0xff, 0xff);
        EmbeddingException error =
                assertThrows(EmbeddingException.class, () -> RestrictedUnpickler.load(pickle, "evil.pt"));
        assertTrue(error.getMessage().startsWith("evil.pt: refused global 'os.system' at byte 2"), error.getMessage());
    }

    @Test
    void refusesCallsOfAllowedNonFunctions() {
        // torch.FloatStorage is allowed as a storage type in persistent ids, but never as something to call
        byte[] pickle = bytes(0x80, 2, 'c', "torch\nFloatStorage\n", ')', 'R', '.');
        EmbeddingException error = assertThrows(EmbeddingException.class, () -> RestrictedUnpickler.load(pickle, "x"));
        assertTrue(error.getMessage().contains("refused call of 'torch.FloatStorage'"), error.getMessage());
    }

    @Test
    void refusesALengthBeyondTheEndWithoutAllocatingIt() {
        byte[] pickle = bytes(0x80, 2, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.');
        EmbeddingException error = assertThrows(EmbeddingException.class, () -> RestrictedUnpickler.load(pickle, "x"));
        assertTrue(error.getMessage().contains("runs past the end of the pickle"), error.getMessage());
    }

    @Test
    void refusesAMissingStopAndAStackOfLeftovers() {
        assertTrue(assertThrows(EmbeddingException.class, () -> RestrictedUnpickler.load(bytes(0x80, 2, 'N'), "x"))
                .getMessage()
                .contains("without its STOP"));
        assertTrue(assertThrows(
                        EmbeddingException.class, () -> RestrictedUnpickler.load(bytes(0x80, 2, 'N', 'N', '.'), "x"))
                .getMessage()
                .contains("STOP with 2 values"));
    }

    /** 100 levels of (x, x): 2^100 leaves through shared references, a "billion laughs" pickle. */
    private static ByteArrayOutputStream laughs() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes(0x80, 2, ')'));
        for (int level = 0; level < 100; level++) {
            out.writeBytes(bytes('2', 0x86)); // DUP, TUPLE2
        }
        return out;
    }

    @Test
    @Timeout(10) // a hang guard, not a speed test: hashing or printing 2^100 leaves would never end
    void refusesContainersAsDictKeysWithoutWalkingThem() {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(bytes(0x80, 2, '}'));
        byte[] tail = laughs().toByteArray();
        pickle.write(tail, 2, tail.length - 2);
        pickle.writeBytes(bytes('K', 1, 's', '.'));
        EmbeddingException error =
                assertThrows(EmbeddingException.class, () -> RestrictedUnpickler.load(pickle.toByteArray(), "x"));
        assertTrue(
                error.getMessage().contains("refused a dict key or set item of type list/tuple"), error.getMessage());
    }

    @Test
    @Timeout(10)
    void describesHugeValuesInErrorsWithinABudget() {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(bytes(0x80, 2, 'c', "collections\nOrderedDict\n"));
        byte[] tail = laughs().toByteArray();
        pickle.write(tail, 2, tail.length - 2);
        pickle.writeBytes(bytes('2', 0x86, 'R', '.')); // OrderedDict(x, x): two arguments, not a list of pairs
        EmbeddingException error =
                assertThrows(EmbeddingException.class, () -> RestrictedUnpickler.load(pickle.toByteArray(), "x"));
        assertTrue(
                error.getMessage().contains("corrupt: OrderedDict")
                        && error.getMessage().length() < 300,
                error.getMessage());
    }

    /** Bytes from ints (one byte each) and strings (their UTF-8). */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String text) {
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            } else if (part instanceof Character c) {
                out.write(c);
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
