package dev.torchsd.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.cli.Main;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README's first command, exactly as written there (only {@code --out} is redirected), draws what
 * its prompt says with the built-in model: the checker reads back the asked color, shape and
 * position.
 */
class ReadmeFirstCommandTest {
    private static final Pattern ARGUMENT = Pattern.compile("\"([^\"]*)\"|(\\S+)");

    @TempDir
    Path tmp;

    @Test
    void drawsWhatItsPromptSays() throws Exception {
        List<String> args = readmeFirstCommand();
        int out = args.indexOf("--out");
        Path png = tmp.resolve("readme.png");
        args.set(out + 1, png.toString());
        args.add("--quiet");
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        assertEquals(0, cli.execute(args.toArray(String[]::new)), err.toString());

        String prompt = args.get(args.indexOf("--prompt") + 1);
        Scene asked = CaptionReader.read(prompt);
        BufferedImage image = ImageIO.read(png.toFile());
        Scene seen = SceneChecker.check(image);
        assertThat(seen.color()).as("color of '%s'", prompt).isEqualTo(asked.color());
        assertThat(seen.shape()).as("shape of '%s'", prompt).isEqualTo(asked.shape());
        assertThat(seen.position()).as("position of '%s'", prompt).isEqualTo(asked.position());
    }

    /** The arguments of the first {@code bin/torchsd generate} line in README.md, quotes removed. */
    private static List<String> readmeFirstCommand() throws Exception {
        String line = Files.readAllLines(Path.of("README.md")).stream()
                .filter(l -> l.startsWith("bin/torchsd generate "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no 'bin/torchsd generate' line"));
        List<String> args = new ArrayList<>();
        Matcher m = ARGUMENT.matcher(line.substring("bin/torchsd ".length()));
        while (m.find()) {
            if (m.group(2) != null && m.group(2).equals("#")) {
                break;
            }
            args.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return args;
    }
}
