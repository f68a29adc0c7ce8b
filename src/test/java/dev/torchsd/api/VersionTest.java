package dev.torchsd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.cli.Main;
import dev.torchsd.runtime.Version;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import picocli.CommandLine;

/** The version comes from one place, the POM; the infotext's Version field is checked in PngWriterTest. */
class VersionTest {

    /** The text of {@code <project><version>} in pom.xml (the tests run in the project folder). */
    static String pomVersion() throws Exception {
        Element project = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile())
                .getDocumentElement();
        for (Node child = project.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child.getNodeName().equals("version")) {
                return child.getTextContent().trim();
            }
        }
        throw new AssertionError("pom.xml has no <project><version>");
    }

    @Test
    void numberIsThePomsVersion() throws Exception {
        assertThat(Version.number()).isEqualTo(pomVersion()).matches("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?");
        assertThat(Version.withName()).isEqualTo("torchsd " + pomVersion());
    }

    @Test
    void commandLinePrintsIt() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("--version")).isZero();
        assertThat(out.toString()).isEqualTo("torchsd " + pomVersion() + System.lineSeparator());
    }
}
