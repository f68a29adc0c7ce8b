package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Emphasis, escapes and BREAK against the examples AUTOMATIC1111 documents for
 * {@code parse_prompt_attention}: [text, weight] pairs, neighbours of equal weight merged.
 */
class PromptParserTest {

    private static String parse(String prompt) {
        return PromptSchedule.fragments(prompt).toString();
    }

    @Test
    void documentedExamples() {
        assertThat(parse("normal text")).isEqualTo("[[normal text, 1.0]]");
        assertThat(parse("an (important) word")).isEqualTo("[[an , 1.0], [important, 1.1], [ word, 1.0]]");
        assertThat(parse("\\(literal\\]")).isEqualTo("[[(literal], 1.0]]");
        assertThat(parse("(unnecessary)(parens)")).isEqualTo("[[unnecessaryparens, 1.1]]");
    }

    @Test
    void documentedNestedExampleWithItsOpenBracketClosed() {
        // AUTOMATIC1111's example leaves the first '(' open and closes it at the end; closed here explicitly
        assertThat(parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).)"))
                .isEqualTo("[[a , 1.0], [house, 1.5730000000000004], [ , 1.1], [on, 1.0], [ a , 1.1], [hill, 0.55],"
                        + " [, sun, , 1.1], [sky, 1.4641000000000006], [., 1.1]]");
    }

    @Test
    void weightsAndSquareBrackets() {
        assertThat(PromptSchedule.fragments("(masterpiece:1.2), best quality"))
                .containsExactly(Fragment.text("masterpiece", 1.2), Fragment.text(", best quality", 1.0));
        assertThat(PromptSchedule.fragments("[x]")).containsExactly(Fragment.text("x", 1 / 1.1));
        assertThat(PromptSchedule.fragments("((x))")).containsExactly(Fragment.text("x", 1.1 * 1.1));
        assertThat(PromptSchedule.fragments("(x: 0.5 )")).containsExactly(Fragment.text("x", 0.5));
        assertThat(PromptSchedule.fragments("(x:-1)")).containsExactly(Fragment.text("x", -1.0));
        assertThat(PromptSchedule.fragments("")).isEmpty();
    }

    @Test
    void colonsAndBarsOutsideTheirBracketsAreText() {
        assertThat(parse("score: 9, a|b, (a|b)")).isEqualTo("[[score: 9, a|b, , 1.0], [a|b, 1.1]]");
        assertThat(parse("a \\: b \\| c \\\\ d")).isEqualTo("[[a : b | c \\ d, 1.0]]");
    }

    @Test
    void breakSplitsAsAWordWithItsWhitespace() {
        assertThat(PromptSchedule.fragments("a cat BREAK a dog"))
                .containsExactly(Fragment.text("a cat", 1.0), Fragment.BREAK, Fragment.text("a dog", 1.0));
        assertThat(PromptSchedule.fragments("(red BREAK blue)"))
                .containsExactly(Fragment.text("red", 1.1), Fragment.BREAK, Fragment.text("blue", 1.1));
        assertThat(PromptSchedule.fragments("BREAKFAST, break, xBREAK"))
                .containsExactly(Fragment.text("BREAKFAST, break, xBREAK", 1.0));
    }

    @Test
    void unbalancedBracketsPointAtTheBracket() {
        assertThatThrownBy(() -> PromptParser.parse("(unbalanced"))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessage("'(' is never closed (write \\( for a literal parenthesis) at position 1 of the prompt:"
                        + " \">>>(unbalanced\"");
        assertThatThrownBy(() -> PromptParser.parse("a cat) on a mat"))
                .hasMessageStartingWith("')' has no '(' to close")
                .hasMessageContaining("\"a cat>>>) on a mat\"");
        assertThatThrownBy(() -> PromptParser.parse("a ] b")).hasMessageStartingWith("']' has no '[' to close");
        assertThatThrownBy(() -> PromptParser.parse("[a (b] c)"))
                .hasMessageStartingWith("expected ')' to close the '(' at position 4, found ']'");
        assertThatThrownBy(() -> PromptParser.parse("[a|b")).hasMessageStartingWith("'[' is never closed");
        assertThatThrownBy(() -> PromptParser.parse("trailing \\")).hasMessageContaining("escapes nothing");
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        double weight = 1.0;
        for (int i = 0; i < 100; i++) {
            weight *= 1.1; // innermost first, as the brackets close
        }
        assertThat(PromptSchedule.fragments("(".repeat(100) + "x" + ")".repeat(100)))
                .containsExactly(Fragment.text("x", weight));
        assertThatThrownBy(() -> PromptParser.parse("(".repeat(20000) + "x" + ")".repeat(20000)))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageStartingWith("brackets are nested more than 100 deep at position 101");
    }

    @Test
    void manyEscapesMergeIntoOneFragment() {
        assertThat(PromptSchedule.fragments("\\(".repeat(20000)))
                .containsExactly(Fragment.text("(".repeat(20000), 1.0));
    }

    @Test
    void aWeightThatIsNotANumberIsNamed() {
        assertThatThrownBy(() -> PromptParser.parse("a (cat:big) b"))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageStartingWith("the weight after ':' in (text:weight) is not a number: expected a number"
                        + " like 1.2, found \"big\" at position 8");
        assertThatThrownBy(() -> PromptParser.parse("(cat:1.2 dog)"))
                .hasMessageStartingWith("expected ')' after the weight 1.2 of the '(' at position 1, found \"dog\"");
    }

    @Test
    void promptEditsNeedANumber() {
        assertThatThrownBy(() -> PromptParser.parse("[cat:dog]"))
                .hasMessageStartingWith("the prompt edit [to:when] that opens at position 1 needs a number 'when'")
                .hasMessageContaining("found \"dog\" at position 6");
        assertThatThrownBy(() -> PromptParser.parse("[cat:dog:soon]"))
                .hasMessageContaining("found \"soon\" at position 10");
        assertThatThrownBy(() -> PromptParser.parse("[a:b|c:2]")).hasMessageStartingWith("'|' inside the prompt edit");
    }

    @Test
    void theTreeKeepsTheSource() {
        List<PromptNode> nodes = PromptParser.parse("[a:(b: 2 ):0.5]");
        assertThat(nodes).hasSize(1);
        PromptNode.Edit edit = (PromptNode.Edit) nodes.get(0);
        assertThat(edit.fraction()).isTrue();
        assertThat(edit.when()).isEqualTo(0.5);
        assertThat(((PromptNode.Emphasis) edit.to().get(0)).close()).isEqualTo(": 2 )");
    }
}
