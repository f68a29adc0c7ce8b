package dev.torchsd.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TokenExpansionTest {

    @Test
    void everyOccurrenceExpandsInPlace() {
        // diffusers: "<cat> <cat>" → "<cat> <cat>_1 <cat>_2 <cat> <cat>_1 <cat>_2"
        TokenExpansion expansion = TokenExpansion.NONE.with(new int[] {100, 101, 102});
        assertArrayEquals(
                new int[] {49406, 100, 101, 102, 100, 101, 102, 49407},
                expansion.expand(new int[] {49406, 100, 100, 49407}));
    }

    @Test
    void singleVectorEmbeddingsAndOtherIdsStay() {
        int[] ids = {49406, 320, 200, 49407};
        TokenExpansion expansion = TokenExpansion.NONE.with(new int[] {200}).with(new int[] {300, 301});
        assertSame(ids, expansion.expand(ids));
        assertArrayEquals(new int[] {1, 300, 301, 200, 2}, expansion.expand(new int[] {1, 300, 200, 2}));
    }

    @Test
    void aLiteralSecondTokenIsNotExpandedAgain() {
        TokenExpansion expansion = TokenExpansion.NONE.with(new int[] {100, 101, 102});
        assertArrayEquals(new int[] {101}, expansion.expand(new int[] {101}));
    }

    @Test
    void refusesTheSameTriggerTwice() {
        TokenExpansion expansion = TokenExpansion.NONE.with(new int[] {100, 101});
        assertThrows(IllegalArgumentException.class, () -> expansion.with(new int[] {100}));
    }
}
