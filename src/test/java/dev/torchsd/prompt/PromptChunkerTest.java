package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** 75-token chunks with start/end/padding, BREAK, groups kept whole and comma backtrack. */
class PromptChunkerTest {
    static final int BOS = 1000;
    static final int EOS = 1001;
    static final int PAD = 1002;
    static final int COMMA = 7;

    private static PromptChunker chunker(int backtrack) {
        return new PromptChunker(BOS, EOS, PAD, COMMA, backtrack);
    }

    /** Single tokens 100, 101, ... of weight 1. */
    private static List<TokenGroup> tokens(int count) {
        List<TokenGroup> groups = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            groups.add(TokenGroup.of(1.0, 100 + i));
        }
        return groups;
    }

    /** The prompt tokens of a chunk: between start and end, without padding. */
    private static int[] body(PromptChunker.Chunk c) {
        int end = 1;
        while (c.ids()[end] != EOS) {
            end++;
        }
        return Arrays.copyOfRange(c.ids(), 1, end);
    }

    @Test
    void shortPromptIsOneChunkWithStartEndAndPadding() {
        List<PromptChunker.Chunk> chunks = chunker(20).chunk(tokens(3));
        assertThat(chunks).hasSize(1);
        int[] ids = chunks.get(0).ids();
        assertThat(ids).hasSize(77);
        assertThat(Arrays.copyOf(ids, 5)).containsExactly(BOS, 100, 101, 102, EOS);
        assertThat(Arrays.copyOfRange(ids, 5, 77)).containsOnly(PAD);
        assertThat(chunks.get(0).weights()).containsOnly(1.0f);
    }

    @Test
    void emptyPromptIsOneEmptyChunk() {
        List<PromptChunker.Chunk> chunks = chunker(20).chunk(List.of());
        assertThat(chunks).containsExactly(chunker(20).emptyChunk());
        assertThat(Arrays.copyOf(chunks.get(0).ids(), 3)).containsExactly(BOS, EOS, PAD);
    }

    @Test
    void twoHundredTokensAreThreeChunksOf75() {
        List<PromptChunker.Chunk> chunks = chunker(20).chunk(tokens(200));
        assertThat(chunks).hasSize(3);
        assertThat(body(chunks.get(0))).hasSize(75).startsWith(100).endsWith(174);
        assertThat(chunks.get(0).ids()[76]).isEqualTo(EOS);
        assertThat(body(chunks.get(1))).hasSize(75).startsWith(175);
        assertThat(body(chunks.get(2))).hasSize(50).startsWith(250).endsWith(299);
    }

    @Test
    void exactly75TokensIsOneFullChunk() {
        List<PromptChunker.Chunk> chunks = chunker(20).chunk(tokens(75));
        assertThat(chunks).hasSize(1);
        assertThat(chunks.get(0).ids()[0]).isEqualTo(BOS);
        assertThat(chunks.get(0).ids()[76]).isEqualTo(EOS);
    }

    @Test
    void breakStartsANewChunkAndATrailingBreakAddsNone() {
        List<TokenGroup> groups = new ArrayList<>(tokens(2));
        groups.add(TokenGroup.BREAK);
        groups.add(TokenGroup.of(1.0, 500));
        groups.add(TokenGroup.BREAK);
        List<PromptChunker.Chunk> chunks = chunker(20).chunk(groups);
        assertThat(chunks).hasSize(2);
        assertThat(body(chunks.get(0))).containsExactly(100, 101);
        assertThat(body(chunks.get(1))).containsExactly(500);
    }

    @Test
    void anEmbeddingIsNeverSplitAcrossChunks() {
        List<TokenGroup> groups = new ArrayList<>(tokens(73));
        groups.add(TokenGroup.of(1.2, 900, 901, 902, 903));
        groups.add(TokenGroup.of(1.0, 5));
        List<PromptChunker.Chunk> chunks = chunker(0).chunk(groups);
        assertThat(chunks).hasSize(2);
        assertThat(body(chunks.get(0))).hasSize(73);
        assertThat(body(chunks.get(1))).containsExactly(900, 901, 902, 903, 5);
        assertThat(Arrays.copyOfRange(chunks.get(1).weights(), 1, 6)).containsExactly(1.2f, 1.2f, 1.2f, 1.2f, 1.0f);
    }

    @Test
    void anEmbeddingThatFitsExactlyStays() {
        List<TokenGroup> groups = new ArrayList<>(tokens(71));
        groups.add(TokenGroup.of(1.0, 900, 901, 902, 903));
        List<PromptChunker.Chunk> chunks = chunker(0).chunk(groups);
        assertThat(chunks).hasSize(1);
        assertThat(body(chunks.get(0))).hasSize(75).endsWith(900, 901, 902, 903);
    }

    @Test
    void commaBacktrackMovesTheWordsAfterTheLastComma() {
        List<TokenGroup> groups = new ArrayList<>(tokens(70));
        groups.add(TokenGroup.of(1.0, COMMA)); // index 70: the comma
        groups.addAll(tokens(10)); // 71.. : words that would cross the boundary
        List<PromptChunker.Chunk> withBacktrack = chunker(20).chunk(groups);
        assertThat(body(withBacktrack.get(0))).hasSize(71).endsWith(COMMA);
        assertThat(body(withBacktrack.get(1))).hasSize(10).startsWith(100);
        List<PromptChunker.Chunk> without = chunker(0).chunk(groups);
        assertThat(body(without.get(0))).hasSize(75);
        assertThat(body(without.get(1))).hasSize(6);
        List<PromptChunker.Chunk> shortBacktrack = chunker(3).chunk(groups);
        assertThat(body(shortBacktrack.get(0))).hasSize(75);
    }

    @Test
    void weightsFollowTheirTokens() {
        List<PromptChunker.Chunk> chunks = chunker(20).chunk(List.of(TokenGroup.of(1.1, 5, 6), TokenGroup.of(0.5, 8)));
        assertThat(Arrays.copyOf(chunks.get(0).weights(), 5)).containsExactly(1f, 1.1f, 1.1f, 0.5f, 1f);
    }

    @Test
    void aGroupLongerThanAChunkIsRefused() {
        assertThatThrownBy(() -> chunker(20).chunk(List.of(TokenGroup.of(1.0, new int[76]))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("76 tokens");
    }
}
