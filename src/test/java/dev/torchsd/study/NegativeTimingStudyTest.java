package dev.torchsd.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.StableDiffusion;
import dev.torchsd.image.ImageDifference;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.StepPoint;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The study's measurements on one fixed seed, checked against generating and reading the images directly. */
class NegativeTimingStudyTest {
    static StableDiffusion sd;
    static final GenerationRequest REQUEST =
            GenerationRequest.of("a circle").withNegativePrompt("red").withSteps(6);
    static final long SEED = 3;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @Test
    void measuresEachStartAgainstTheImageWithoutNegativePrompt(@TempDir Path dir) throws IOException {
        StudyChecker checker = StudyChecker.builtin();
        List<String> told = new ArrayList<>();
        NegativeTimingStudy.Result result = new NegativeTimingStudy(sd, checker)
                .run(
                        REQUEST,
                        List.of(SEED),
                        List.of(StepPoint.fraction(1.0), StepPoint.step(0)),
                        new GenerationListener() {},
                        told::add);

        assertThat(result.negated()).isEqualTo(new StudyChecker.Attribute("color", "red"));
        assertThat(told).containsExactly("none, seed 3", "start 1.0, seed 3", "start 0, seed 3");
        assertThat(result.rows()).extracting(StudyRow::start).containsExactly("none", "1.0", "0");
        BufferedImage reference =
                sd.generate(REQUEST.withNegativePrompt("").withSeed(SEED)).image();
        BufferedImage fromZero = sd.generate(REQUEST.withSeed(SEED)).image();
        Map<String, String> seen = checker.read(fromZero);

        StudyRow none = result.rows().get(0);
        StudyRow atEnd = result.rows().get(1); // a start at the end is no negative prompt, bit for bit
        StudyRow zero = result.rows().get(2);
        assertThat(none.attributes()).isEqualTo(checker.read(reference));
        assertThat(none.negatedPresent())
                .isEqualTo("red".equals(none.attributes().get("color")));
        assertThat(atEnd.attributes()).isEqualTo(none.attributes());
        assertThat(atEnd.meanAbsDifference()).isZero();
        assertThat(atEnd.keptFraction()).isEqualTo(1.0);
        assertThat(zero.startStep()).isZero();
        assertThat(atEnd.startStep()).isEqualTo(6);
        assertThat(zero.attributes()).isEqualTo(seen);
        assertThat(zero.negatedPresent()).isEqualTo("red".equals(seen.get("color")));
        assertThat(zero.kept().keySet()).containsExactly("shape", "size", "position", "background");
        zero.kept()
                .forEach((name, kept) -> assertThat(kept)
                        .as(name)
                        .isEqualTo(java.util.Objects.equals(
                                seen.get(name), none.attributes().get(name))));
        ImageDifference difference = ImageDifference.of(fromZero, reference);
        assertThat(zero.meanAbsDifference()).isEqualTo(difference.meanAbsolute());
        assertThat(zero.meanSquaredError()).isEqualTo(difference.meanSquared());

        StudySummary zeroSummary = result.summaries().get(2);
        assertThat(zeroSummary.start()).isEqualTo("0");
        assertThat(zeroSummary.seeds()).isEqualTo(1);
        assertThat(zeroSummary.negatedRate()).isEqualTo(zero.negatedPresent() ? 1.0 : 0.0);
        assertThat(zeroSummary.keptRate()).isEqualTo(zero.keptFraction());
        assertThat(zeroSummary.psnr()).isEqualTo(ImageDifference.psnr(difference.meanSquared()));

        List<Path> files = StudyReport.write(dir, result);
        assertThat(files)
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "study.csv", "study.json", "negated-rate.png", "kept-structure.png", "pixel-difference.png");
        List<String> csv = Files.readAllLines(dir.resolve("study.csv"));
        assertThat(csv).hasSize(4);
        assertThat(csv.get(0)).startsWith("start,seed,start_step,negated_present,kept_fraction,kept_shape,");
        assertThat(csv.get(3)).startsWith("0,3,0.00000," + zero.negatedPresent() + ",");
        JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("study.json")))
                .getAsJsonObject();
        assertThat(json.get("negated").getAsString()).isEqualTo("color=red");
        assertThat(json.getAsJsonArray("summaries")).hasSize(3);
        assertThat(json.getAsJsonArray("rows")).hasSize(3);
        BufferedImage chart = ImageIO.read(dir.resolve("negated-rate.png").toFile());
        assertThat(chart.getWidth()).isEqualTo(800);
        assertThat(StudyReport.markdown(result)).contains("| 0 | 0.00 |");
    }

    @Test
    void refusesAStudyWithoutNegativePromptOrAWrongStartBeforeAnyWork() {
        NegativeTimingStudy study = new NegativeTimingStudy(sd, StudyChecker.builtin());
        assertThatThrownBy(() -> study.run(
                        REQUEST.withNegativePrompt(""),
                        List.of(1L),
                        List.of(StepPoint.step(0)),
                        new GenerationListener() {},
                        s -> {}))
                .hasMessageContaining("needs a negative prompt");
        assertThatThrownBy(() -> study.run(
                        REQUEST, List.of(1L), List.of(StepPoint.step(9)), new GenerationListener() {}, s -> {}))
                .hasMessageContaining("0..6, got 9");
    }
}
