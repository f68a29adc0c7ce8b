package dev.torchsd.prompt;

import dev.torchsd.prompt.PromptNode.Alternation;
import dev.torchsd.prompt.PromptNode.Break;
import dev.torchsd.prompt.PromptNode.Edit;
import dev.torchsd.prompt.PromptNode.Emphasis;
import dev.torchsd.prompt.PromptNode.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads AUTOMATIC1111's prompt syntax into a tree of {@link PromptNode}s, by recursive descent:
 * <ul>
 *   <li>{@code (x)} weight × 1.1, {@code (x:1.3)} × 1.3, {@code [x]} ÷ 1.1, nested ones multiply;</li>
 *   <li>{@code \(} {@code \)} {@code \[} {@code \]} {@code \\} (a backslash before any character makes it literal);</li>
 *   <li>prompt editing {@code [from:to:when]}, {@code [to:when]}, {@code [from::when]};</li>
 *   <li>alternation {@code [a|b|c]};</li>
 *   <li>{@code BREAK} as a word: start a new 75-token chunk.</li>
 * </ul>
 * A colon or bar outside brackets is text, as in AUTOMATIC1111, and so is a bar inside parentheses.
 *
 * <p>Where AUTOMATIC1111 quietly guesses (it closes unclosed brackets at the end, takes a stray
 * {@code )} as text, and reads a whole prompt it cannot parse as plain text), this parser stops
 * with a {@link PromptSyntaxException} that points at the character: an unbalanced bracket, a
 * weight that is not a number, a prompt edit without a number.
 */
public final class PromptParser {
    /** AUTOMATIC1111's BREAK: the word, with the whitespace around it. */
    private static final Pattern BREAK = Pattern.compile("\\s*\\bBREAK\\b\\s*");
    /** A weight or a 'when': optional sign, digits with an optional decimal point; whitespace around it. */
    private static final Pattern NUMBER = Pattern.compile("\\s*([+-]?(?:\\d+\\.?\\d*|\\.\\d+))\\s*");

    /** Where a sequence of nodes is being read: it decides which characters end it. */
    private enum Context {
        TOP,
        ROUND,
        SQUARE,
        EDIT_TO,
        ALTERNATIVE
    }

    /** Brackets nested deeper than this are refused (a guard against stack exhaustion, far above any real prompt). */
    static final int MAX_DEPTH = 100;

    private final String prompt;
    private final String label;
    private int pos;
    private int depth;

    private PromptParser(String prompt, String label) {
        this.prompt = prompt;
        this.label = label;
    }

    /** The tree of {@code prompt}; throws {@link PromptSyntaxException} for what it cannot read. */
    public static List<PromptNode> parse(String prompt) {
        return parse(prompt, "prompt");
    }

    /** As {@link #parse(String)}; errors name the prompt {@code label} ("prompt", "negative prompt"). */
    public static List<PromptNode> parse(String prompt, String label) {
        PromptParser parser = new PromptParser(prompt, label);
        return parser.sequence(Context.TOP, -1);
    }

    /** Nodes up to the character that ends {@code context} (left unread) or the end of the prompt. */
    private List<PromptNode> sequence(Context context, int openedAt) {
        List<PromptNode> nodes = new ArrayList<>();
        int plainStart = pos;
        while (pos < prompt.length()) {
            char c = prompt.charAt(pos);
            if (c == '\\' || c == '(' || c == '[' || ends(context, c, openedAt)) {
                addPlain(nodes, plainStart, pos);
                if (c == '\\') {
                    nodes.add(escape());
                } else if (c == '(' || c == '[') {
                    if (++depth > MAX_DEPTH) {
                        throw error(pos, "brackets are nested more than " + MAX_DEPTH + " deep");
                    }
                    nodes.add(c == '(' ? round() : square());
                    depth--;
                } else {
                    return nodes;
                }
                plainStart = pos;
            } else {
                pos++;
            }
        }
        addPlain(nodes, plainStart, pos);
        return nodes;
    }

    /** Whether {@code c} ends a sequence in {@code context}; throws for a character that is wrong there. */
    private boolean ends(Context context, char c, int openedAt) {
        switch (c) {
            case ')':
                if (context == Context.ROUND) {
                    return true;
                }
                throw context == Context.TOP
                        ? error(pos, "')' has no '(' to close (write \\) for a literal parenthesis)")
                        : error(pos, "expected ']' to close the '[' at position " + (openedAt + 1) + ", found ')'");
            case ']':
                if (context != Context.TOP && context != Context.ROUND) {
                    return true;
                }
                throw context == Context.TOP
                        ? error(pos, "']' has no '[' to close (write \\] for a literal bracket)")
                        : error(pos, "expected ')' to close the '(' at position " + (openedAt + 1) + ", found ']'");
            case ':':
                if (context == Context.ALTERNATIVE) {
                    throw error(
                            pos,
                            "':' inside the alternation [a|b] that opens at position " + (openedAt + 1)
                                    + " (write \\: for a literal colon)");
                }
                return context != Context.TOP;
            case '|':
                if (context == Context.EDIT_TO) {
                    throw error(
                            pos,
                            "'|' inside the prompt edit [from:to:when] that opens at position " + (openedAt + 1)
                                    + " (write \\| for a literal bar)");
                }
                return context == Context.SQUARE || context == Context.ALTERNATIVE;
            default:
                return false;
        }
    }

    /** Plain text from {@code from} to {@code to}, split at each BREAK. */
    private void addPlain(List<PromptNode> nodes, int from, int to) {
        if (from == to) {
            return;
        }
        String text = prompt.substring(from, to);
        Matcher m = BREAK.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                String part = text.substring(last, m.start());
                nodes.add(new Text(part, part));
            }
            nodes.add(new Break(m.group()));
            last = m.end();
        }
        if (last < text.length()) {
            String part = text.substring(last);
            nodes.add(new Text(part, part));
        }
    }

    private Text escape() {
        if (pos + 1 >= prompt.length()) {
            throw error(pos, "a '\\' at the end of the prompt escapes nothing (write \\\\ for a literal backslash)");
        }
        Text text = new Text(prompt.substring(pos, pos + 2), prompt.substring(pos + 1, pos + 2));
        pos += 2;
        return text;
    }

    /** {@code (body)} or {@code (body:weight)}. */
    private Emphasis round() {
        int open = pos++;
        List<PromptNode> body = sequence(Context.ROUND, open);
        if (pos >= prompt.length()) {
            throw error(open, "'(' is never closed (write \\( for a literal parenthesis)");
        }
        if (prompt.charAt(pos) == ')') {
            pos++;
            return new Emphasis(body, 1.1, "(", ")");
        }
        int colon = pos++;
        Matcher m = NUMBER.matcher(prompt).region(pos, prompt.length());
        if (!m.lookingAt()) {
            throw error(
                    pos,
                    "the weight after ':' in (text:weight) is not a number: expected a number like 1.2," + " found "
                            + found(pos));
        }
        if (m.end() >= prompt.length() || prompt.charAt(m.end()) != ')') {
            throw error(
                    m.end(),
                    "expected ')' after the weight " + m.group(1) + " of the '(' at position " + (open + 1) + ", found "
                            + found(m.end()));
        }
        double weight = Double.parseDouble(m.group(1));
        pos = m.end() + 1;
        return new Emphasis(body, weight, "(", prompt.substring(colon, pos));
    }

    /** {@code [body]}, {@code [a|b|...]}, {@code [to:when]} or {@code [from:to:when]}. */
    private PromptNode square() {
        int open = pos++;
        List<PromptNode> first = sequence(Context.SQUARE, open);
        requireClosed(open);
        char c = prompt.charAt(pos);
        if (c == ']') {
            pos++;
            return new Emphasis(first, 1 / 1.1, "[", "]");
        }
        if (c == '|') {
            List<List<PromptNode>> options = new ArrayList<>();
            options.add(first);
            while (prompt.charAt(pos) == '|') {
                pos++;
                options.add(sequence(Context.ALTERNATIVE, open));
                requireClosed(open);
            }
            pos++;
            return new Alternation(options);
        }
        int colon = pos++;
        Matcher when = whenAt(pos);
        if (when != null) {
            return edit(List.of(), first, when);
        }
        List<PromptNode> second = sequence(Context.EDIT_TO, open);
        requireClosed(open);
        if (prompt.charAt(pos) == ']') {
            throw error(
                    colon + 1,
                    "the prompt edit [to:when] that opens at position " + (open + 1) + " needs a number"
                            + " 'when' (a step like 10 or a fraction like 0.4) after its last ':', found "
                            + found(colon + 1));
        }
        int secondColon = pos++;
        when = whenAt(pos);
        if (when == null) {
            throw error(
                    pos,
                    "the prompt edit [from:to:when] that opens at position " + (open + 1) + " needs a number"
                            + " 'when' (a step like 10 or a fraction like 0.4) after its last ':', found "
                            + found(secondColon + 1));
        }
        return edit(first, second, when);
    }

    private Edit edit(List<PromptNode> from, List<PromptNode> to, Matcher when) {
        String source = when.group(1);
        pos = when.end() + 1;
        return new Edit(from, to, Double.parseDouble(source), source.contains("."), source, when.start(1));
    }

    /** A number followed by ']' at {@code at}, or null. */
    private Matcher whenAt(int at) {
        Matcher m = NUMBER.matcher(prompt).region(at, prompt.length());
        if (m.lookingAt() && m.end() < prompt.length() && prompt.charAt(m.end()) == ']') {
            return m;
        }
        return null;
    }

    private void requireClosed(int open) {
        if (pos >= prompt.length()) {
            throw error(open, "'[' is never closed (write \\[ for a literal bracket)");
        }
    }

    /** What stands at {@code at}, quoted, for messages. */
    private String found(int at) {
        if (at >= prompt.length()) {
            return "the end of the prompt";
        }
        int end = at;
        while (end < prompt.length() && end - at < 20 && "()[]:|".indexOf(prompt.charAt(end)) < 0) {
            end++;
        }
        return "\"" + prompt.substring(at, Math.max(end, at + 1)) + "\"";
    }

    private PromptSyntaxException error(int at, String problem) {
        return new PromptSyntaxException(prompt, label, at, problem);
    }
}
