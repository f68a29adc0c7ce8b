package dev.torchsd.tokenizer;

import static dev.torchsd.tokenizer.TinyVocabulary.BOS;
import static dev.torchsd.tokenizer.TinyVocabulary.EOS;
import static dev.torchsd.tokenizer.TinyVocabulary.endSymbol;
import static dev.torchsd.tokenizer.TinyVocabulary.symbol;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encoding rules checked on the tiny vocabulary, expected ids worked out by hand from its merge list. */
class TinyVocabularyTest {
    private final ClipTokenizer tokenizer = TinyVocabulary.tokenizer();

    @Test
    void mergesApplyByRankNotByPosition() {
        // "cat": pairs (c,a) rank 15 and (a,t</w>) rank 0; rank 0 first gives c + at</w>, then rank 1 cat</w>.
        assertArrayEquals(new int[] {BOS, 513, EOS}, tokenizer.encode("cat"));
        // "café": (Ã,©</w>) rank 14 before (c,a) rank 15, then (ca,f) rank 16: caf + é</w>.
        assertArrayEquals(new int[] {BOS, 528, 526, EOS}, tokenizer.encode("café"));
        // "photo": ph (5), ot (6), phot (7), photo</w> (8).
        assertArrayEquals(
                new int[] {BOS, endSymbol('a'), 520, 516, endSymbol('a'), 513, EOS},
                tokenizer.encode("A photo of a cat"));
    }

    @Test
    void aMergeAppliesLeftToRightWithoutOverlap() {
        // a a a</w>: (a,a) at 0 merges, its right a is gone, so the second pair is not merged.
        assertArrayEquals(new int[] {BOS, 523, endSymbol('a'), EOS}, tokenizer.encode("aaa"));
        // a a a a</w>: (a,a) merges once at 0 (the pair at 2 is (a,a</w>)), then (aa,a) rank 12.
        assertArrayEquals(new int[] {BOS, 524, endSymbol('a'), EOS}, tokenizer.encode("aaaa"));
        // a a a a a</w>: rank 11 at 0 and 2 gives aa aa a</w>; (aa,aa) is no merge.
        assertArrayEquals(new int[] {BOS, 523, 523, endSymbol('a'), EOS}, tokenizer.encode("aaaaa"));
    }

    @Test
    void wordsAreSplitBeforeBpe() {
        // "it's" is "it" + "'s"; "dog!" is "dog" + "!"; each digit is its own word.
        assertArrayEquals(new int[] {BOS, 529, 525, EOS}, tokenizer.encode("it's"));
        assertArrayEquals(new int[] {BOS, 522, endSymbol('!'), EOS}, tokenizer.encode("DOG!"));
        assertArrayEquals(new int[] {BOS, endSymbol('4'), endSymbol('2'), EOS}, tokenizer.encode("42"));
        // A space never reaches BPE; its byte symbol (U+0120, id 220) must not appear.
        assertArrayEquals(new int[] {BOS, 515, 513, EOS}, tokenizer.encode("  the\t\ncat "));
    }

    @Test
    void specialTokensInTextAreTheirIds() {
        assertArrayEquals(new int[] {BOS, 513, EOS, 522, EOS}, tokenizer.encode("cat<|endoftext|>dog"));
        assertArrayEquals(new int[] {BOS, BOS, EOS}, tokenizer.encode("<|STARTOFTEXT|>"));
        assertArrayEquals(new int[] {BOS, EOS}, tokenizer.encode(""));
    }

    @Test
    void paddedEncodingFillsWithThePadIdAndKeepsEndOfText() {
        Encoding short_ = tokenizer.encodePadded("cat");
        assertEquals(77, short_.ids().length);
        assertEquals(0, short_.truncated());
        assertArrayEquals(new int[] {BOS, 513, EOS, EOS}, java.util.Arrays.copyOf(short_.ids(), 4));
        assertEquals(EOS, short_.ids()[76]);

        ClipTokenizer padWithBang = ClipTokenizer.fromFolder(TinyVocabulary.folder(), symbol('!'));
        assertEquals(0, padWithBang.encodePadded("cat").ids()[3]);

        // 80 cats are 80 tokens: 75 fit between BOS and EOS, 5 are lost.
        Encoding long_ = tokenizer.encodePadded("cat ".repeat(80));
        assertEquals(77, long_.ids().length);
        assertEquals(5, long_.truncated());
        assertEquals(BOS, long_.ids()[0]);
        assertEquals(513, long_.ids()[75]);
        assertEquals(EOS, long_.ids()[76]);

        // Exactly 75 tokens fit without loss.
        Encoding exact = tokenizer.encodePadded("cat ".repeat(75));
        assertEquals(0, exact.truncated());
        assertEquals(EOS, exact.ids()[76]);
        assertEquals(77, tokenizer.maxLength());
    }

    @Test
    void addedTokensAreMatchedInRawTextLongestFirst() {
        int[] ids = tokenizer.addTokens(List.of("<cat>", "<cat>-2", "Dog"));
        assertArrayEquals(new int[] {532, 533, 534}, ids);
        assertEquals(535, tokenizer.vocabularySize());
        // Raw text, case-sensitive: "Dog" is the added token, "dog" is not; "<cat>-2" wins over "<cat>".
        assertArrayEquals(
                new int[] {BOS, endSymbol('a'), 533, 532, 534, 522, EOS}, tokenizer.encode("a<cat>-2<cat>Dog dog"));
        // Text around an added token is tokenized on its own: "cat" and "s" are separate words.
        assertArrayEquals(new int[] {BOS, 513, 532, endSymbol('s'), EOS}, tokenizer.encode("cat<cat>s"));
        assertEquals(
                List.of("a</w>", "<cat>-2", "cat</w>"), tokenizer.idsToTokens(new int[] {endSymbol('a'), 533, 513}));
        assertArrayEquals(new int[] {534, 513}, tokenizer.tokensToIds(List.of("Dog", "cat</w>")));
        assertEquals("<|startoftext|>a <cat>-2 cat <|endoftext|>", tokenizer.decode(tokenizer.encode("a <cat>-2 cat")));
    }

    @Test
    void addingAnExistingTokenFailsAndAddsNothing() {
        tokenizer.addTokens(List.of("<x>"));
        var twice = assertThrows(TokenizerException.class, () -> tokenizer.addTokens(List.of("<y>", "<x>")));
        assertTrue(
                twice.getMessage().contains("\"<x>\" already exists")
                        && twice.getMessage().contains("id 532"),
                twice.getMessage());
        var base = assertThrows(TokenizerException.class, () -> tokenizer.addTokens(List.of("cat</w>")));
        assertTrue(base.getMessage().contains("id 513"), base.getMessage());
        assertThrows(TokenizerException.class, () -> tokenizer.addTokens(List.of("<z>", "<z>")));
        assertThrows(TokenizerException.class, () -> tokenizer.addTokens(List.of("")));
        assertEquals(533, tokenizer.vocabularySize());
        // The failed call added nothing: "<y>" is still three words of plain text.
        assertArrayEquals(
                new int[] {BOS, endSymbol('<'), endSymbol('y'), endSymbol('>'), EOS}, tokenizer.encode("<y>"));
    }

    @Test
    void decodeTurnsBytesBackIntoText() {
        assertEquals(
                "<|startoftext|>the cat café ! <|endoftext|>", tokenizer.decode(tokenizer.encode("The cat café!")));
        assertEquals("a photo", tokenizer.decode(new int[] {endSymbol('a'), 520}));
        // A lone lead byte of é (Ã) is not valid UTF-8 and decodes to U+FFFD.
        assertEquals("\uFFFD", tokenizer.decode(new int[] {127}));
        var unknown = assertThrows(TokenizerException.class, () -> tokenizer.decode(new int[] {999}));
        assertTrue(unknown.getMessage().contains("999"), unknown.getMessage());
        assertThrows(TokenizerException.class, () -> tokenizer.tokensToIds(List.of("caterpillar</w>")));
    }

    @Test
    void aByteSymbolMissingFromTheVocabularyBecomesTheUnknownId(@TempDir Path dir) throws IOException {
        // Drop "b</w>" (id 321) from the vocabulary: the word "b" has no symbol and becomes <|endoftext|>.
        String vocab = Files.readString(TinyVocabulary.folder().resolve("vocab.json"), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("vocab.json"), vocab.replace("\"b</w>\": 321, ", ""));
        Files.copy(TinyVocabulary.folder().resolve("merges.txt"), dir.resolve("merges.txt"));
        ClipTokenizer withoutB = ClipTokenizer.fromFolder(dir, EOS);
        assertArrayEquals(new int[] {BOS, EOS, 513, EOS}, withoutB.encode("b cat"));
    }

    @Test
    void openAiGzFormGivesTheSameIds(@TempDir Path dir) throws IOException {
        List<String> merges = Files.readAllLines(TinyVocabulary.folder().resolve("merges.txt"));
        Path gz = dir.resolve("tiny_vocab.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(("\"tiny.txt#version: 0.2\n" + String.join("\n", merges.subList(1, merges.size())) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        ClipTokenizer fromGz = ClipTokenizer.load(gz, EOS);
        assertEquals(TinyVocabulary.SIZE, fromGz.vocabularySize());
        assertEquals(BOS, fromGz.bosId());
        assertEquals(EOS, fromGz.eosId());
        for (String text : List.of("A photo of a cat", "café aaaa it's", "the dog, 42!")) {
            assertArrayEquals(tokenizer.encode(text), fromGz.encode(text), text);
        }
        assertEquals(ClipTokenizer.load(TinyVocabulary.folder(), EOS).encode("the cat").length, 4);
    }

    @Test
    void aHundredThousandLetterWordIsEncodedWithoutQuadraticTime() {
        // "a" x 100000: rank 11 pairs the a's, rank 12 makes aaa from aa + a... The tokenizer must finish
        // (the reference algorithm would rescan 100,000 symbols per merge); the padded form loses the rest.
        Encoding encoding = tokenizer.encodePadded("a".repeat(100_000));
        assertTrue(encoding.truncated() > 1000, "truncated " + encoding.truncated());
        assertEquals(EOS, encoding.ids()[76]);
    }
}
