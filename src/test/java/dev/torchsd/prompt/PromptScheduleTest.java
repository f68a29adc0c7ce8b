package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prompt editing and alternation against the examples AUTOMATIC1111 documents for its schedule
 * ({@code get_learned_conditioning_prompt_schedules}, 10 steps): each entry is [end step, prompt].
 * The examples it documents for unbalanced input are errors here, with their position.
 */
class PromptScheduleTest {

    /** The schedule as AUTOMATIC1111 prints it: [[end, 'text'], ...]. */
    private static String g(String prompt) {
        List<String> entries = new ArrayList<>();
        for (PromptSchedule.Entry e : PromptSchedule.of(prompt, 10).entries()) {
            entries.add("[" + e.endAtStep() + ", '" + e.text() + "']");
        }
        return "[" + String.join(", ", entries) + "]";
    }

    @Test
    void documentedSchedules() {
        assertThat(g("test")).isEqualTo("[[10, 'test']]");
        assertThat(g("a [b:3]")).isEqualTo("[[3, 'a '], [10, 'a b']]");
        assertThat(g("a [b: 3]")).isEqualTo("[[3, 'a '], [10, 'a b']]");
        assertThat(g("a [[[b]]:2]")).isEqualTo("[[2, 'a '], [10, 'a [[b]]']]");
        assertThat(g("[(a:2):3]")).isEqualTo("[[3, ''], [10, '(a:2)']]");
        assertThat(g("a [b : c : 1] d")).isEqualTo("[[1, 'a b  d'], [10, 'a  c  d']]");
        assertThat(g("a[b:[c:d:2]:1]e")).isEqualTo("[[1, 'abe'], [2, 'ace'], [10, 'ade']]");
        assertThat(g("a [b:.5] c")).isEqualTo("[[5, 'a  c'], [10, 'a b c']]");
    }

    @Test
    void documentedAlternations() {
        assertThat(g("[a|(b:1.1)]"))
                .isEqualTo("[[1, 'a'], [2, '(b:1.1)'], [3, 'a'], [4, '(b:1.1)'], [5, 'a'],"
                        + " [6, '(b:1.1)'], [7, 'a'], [8, '(b:1.1)'], [9, 'a'], [10, '(b:1.1)']]");
        assertThat(g("[fe|]male"))
                .isEqualTo("[[1, 'female'], [2, 'male'], [3, 'female'], [4, 'male'], [5, 'female'],"
                        + " [6, 'male'], [7, 'female'], [8, 'male'], [9, 'female'], [10, 'male']]");
        assertThat(g("[fe|||]male"))
                .isEqualTo("[[1, 'female'], [2, 'male'], [3, 'male'], [4, 'male'], [5, 'female'],"
                        + " [6, 'male'], [7, 'male'], [8, 'male'], [9, 'female'], [10, 'male']]");
    }

    @Test
    void fromToWhenForms() {
        assertThat(g("a [cat:dog:0.4]")).isEqualTo("[[4, 'a cat'], [10, 'a dog']]");
        assertThat(g("a [cat::4] b")).isEqualTo("[[4, 'a cat b'], [10, 'a  b']]");
        assertThat(g("[cat:dog:0]")).isEqualTo("[[10, 'dog']]");
        assertThat(g("[cat:dog:10]")).isEqualTo("[[10, 'cat']]");
        assertThat(g("[cat:dog:1.0]")).isEqualTo("[[10, 'cat']]");
        // a decimal point makes a fraction: 0.25 of 10 steps is 2.5, truncated to 2
        assertThat(g("[cat:dog:0.25]")).isEqualTo("[[2, 'cat'], [10, 'dog']]");
    }

    @Test
    void samplerStepsUseTheFirstEntryEndingAtOrAfterThem() {
        PromptSchedule s = PromptSchedule.of("[cat:dog:4]", 10);
        List<String> perStep = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            perStep.add(s.atStep(i).text());
        }
        assertThat(perStep).containsExactly("cat", "cat", "cat", "cat", "cat", "dog", "dog", "dog", "dog", "dog");
    }

    @Test
    void editsCarryWeightsIntoTheirFragments() {
        PromptSchedule s = PromptSchedule.of("(masterpiece:1.2), [cat:(dog:1.5):0.5]", 20);
        assertThat(s.entries()).hasSize(2);
        assertThat(s.entries().get(0).fragments())
                .containsExactly(Fragment.text("masterpiece", 1.2), Fragment.text(", cat", 1.0));
        assertThat(s.entries().get(1).fragments())
                .containsExactly(
                        Fragment.text("masterpiece", 1.2), Fragment.text(", ", 1.0), Fragment.text("dog", 1.5));
    }

    @Test
    void whenOutOfRangeIsAnErrorAtItsPosition() {
        assertThatThrownBy(() -> PromptSchedule.of("a [cat:dog:1.5]", 10))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("fraction")
                .hasMessageContaining("0..1")
                .hasMessageContaining("position 12");
        assertThatThrownBy(() -> PromptSchedule.of("a [cat:dog:30]", 20))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("0..20")
                .hasMessageContaining("position 12")
                .extracting(e -> ((PromptSyntaxException) e).index())
                .isEqualTo(11);
        assertThatThrownBy(() -> PromptSchedule.of("[cat:dog:-2]", 20))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("0..20");
    }

    @Test
    void documentedUnbalancedSchedulesAreErrorsHere() {
        // AUTOMATIC1111 reads these as plain text; torchsd points at the bracket
        assertThatThrownBy(() -> g("a [unbalanced"))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageStartingWith("'[' is never closed")
                .hasMessageContaining("position 3");
        assertThatThrownBy(() -> g("((a][:b:c [d:3]"))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("expected ')' to close the '(' at position 2, found ']'")
                .hasMessageContaining("position 4");
        assertThatThrownBy(() -> g("a [{b|d{:.5] c"))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("':' inside the alternation")
                .hasMessageContaining("position 9");
    }

    @Test
    void aLongPromptParsesQuickly() {
        String words = "word, (big:1.1) [cat:dog:5] ".repeat(2500);
        PromptSchedule s = PromptSchedule.of(words, 20);
        assertThat(s.entries()).hasSize(2);
        assertThat(s.entries().get(1).fragments()).hasSize(5001);
    }
}
