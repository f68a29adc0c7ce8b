package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.tokenizer.ClipTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chunking with the real CLIP vocabulary (../shared/clip, or -Dtorchsd.shared=DIR; skipped when
 * absent): start 49406, end and padding 49407 (SD 1.x), and the comma token {@code ,</w>} = 267,
 * which the comma backtrack looks for.
 */
class RealVocabularyChunkingTest {
    static PromptEncoder encoder;

    @BeforeAll
    static void load() {
        Path clip = Path.of(System.getProperty(
                        "torchsd.shared", Path.of("..", "shared").toString()))
                .resolve("clip");
        Assumptions.assumeTrue(
                Files.isDirectory(clip),
                "../shared not found: " + clip.toAbsolutePath()
                        + " is missing (set -Dtorchsd.shared=DIR to the shared reference data)");
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(clip, 49407);
        encoder = PromptEncoder.tokenizing(tokenizer, PromptSyntax.A1111);
    }

    @Test
    void aPhraseThatWouldCrossTheChunkBoundaryMovesAfterItsComma() {
        // "a" is one token: 70 of them, a comma, then a 10-word phrase crossing token 75
        String prompt = "a ".repeat(70) + ", " + "red ".repeat(10);
        List<PromptChunker.Chunk> chunks =
                encoder.chunks(PromptSchedule.fragments(prompt)).chunks();
        assertThat(chunks).hasSize(2);
        int[] first = chunks.get(0).ids();
        assertThat(first[0]).isEqualTo(49406);
        assertThat(first[71]).isEqualTo(267); // the comma ends the first chunk's tokens
        assertThat(Arrays.copyOfRange(first, 72, 77)).containsOnly(49407);
        int[] second = chunks.get(1).ids();
        assertThat(Arrays.copyOfRange(second, 1, 11)).containsOnly(second[1]); // the ten "red" together
        assertThat(second[11]).isEqualTo(49407);
    }

    @Test
    void breakAndWeightsOnARealPrompt() {
        List<PromptChunker.Chunk> chunks = encoder.chunks(
                        PromptSchedule.fragments("(masterpiece:1.2), best quality BREAK a cat"))
                .chunks();
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0).weights()[1]).isEqualTo(1.2f); // masterpiece is one token
        assertThat(chunks.get(0).weights()[2]).isEqualTo(1.0f); // the comma
        assertThat(chunks.get(1).ids()[3]).isEqualTo(49407); // start, "a", "cat", end
    }
}
