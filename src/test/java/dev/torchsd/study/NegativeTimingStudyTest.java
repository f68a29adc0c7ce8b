package dev.torchsd.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.StableDiffusion;
import dev.torchsd.image.ImageDifference;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.trace.StepRecord;
import dev.torchsd.trace.TraceRecorder;
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
                        "study.csv",
                        "study.json",
                        "critical-steps.csv",
                        "negated-rate.png",
                        "kept-structure.png",
                        "pixel-difference.png");
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
    void aggregatesTheThreeWayTraceOverTheSeeds(@TempDir Path dir) throws IOException {
        List<Long> seeds = List.of(SEED, SEED + 1);
        NegativeTimingStudy.Result result = new NegativeTimingStudy(sd, StudyChecker.builtin(), true)
                .run(
                        REQUEST,
                        seeds,
                        List.of(StepPoint.step(0), StepPoint.step(3)),
                        new GenerationListener() {},
                        s -> {});

        assertThat(result.curves()).extracting(ThreeWayCurve::start).containsExactly("0", "3");
        List<List<StepRecord>> traced = new ArrayList<>();
        for (long seed : seeds) {
            TraceRecorder trace = new TraceRecorder(sd, false, true);
            BufferedImage image = sd.generate(REQUEST.withSeed(seed), trace).image();
            assertThat(result.rows().stream()
                            .filter(r -> r.start().equals("0") && r.seed() == seed)
                            .findFirst()
                            .orElseThrow()
                            .attributes())
                    .isEqualTo(StudyChecker.builtin().read(image));
            traced.add(trace.records());
        }
        ThreeWayCurve fromZero = result.curves().get(0);
        assertThat(fromZero.points()).hasSize(traced.get(0).size()); // every call uses the negative prompt
        for (ThreeWayCurve.Point p : fromZero.points()) {
            StepRecord a = traced.get(0).get(p.call());
            StepRecord b = traced.get(1).get(p.call());
            assertThat(p.seeds()).isEqualTo(2);
            assertThat(p.effectMean()).isCloseTo((a.negativeEffect() + b.negativeEffect()) / 2, within(1e-12));
            assertThat(p.effectSd()).isCloseTo(Math.abs(a.negativeEffect() - b.negativeEffect()) / 2, within(1e-12));
            assertThat(p.alignmentMean()).isCloseTo((a.alignment() + b.alignment()) / 2, within(1e-12));
        }
        // from step 3 only the calls at or after it use the negative prompt (PLMS: 7 calls for 6 steps)
        int calls = fromZero.points().size();
        assertThat(result.curves().get(1).points())
                .extracting(ThreeWayCurve.Point::call)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, calls)
                        .filter(c -> (double) c * 6 / calls >= 3)
                        .boxed()
                        .toList());

        List<Path> files = StudyReport.write(dir, result);
        assertThat(files)
                .extracting(f -> f.getFileName().toString())
                .contains("three-way.csv", "three-way-alignment.png", "three-way-effect.png");
        List<String> csv = Files.readAllLines(dir.resolve("three-way.csv"));
        assertThat(csv.get(0))
                .isEqualTo("start,call,step,seeds,negative_effect_mean,negative_effect_sd,alignment_mean,alignment_sd");
        assertThat(csv)
                .hasSize(1
                        + fromZero.points().size()
                        + result.curves().get(1).points().size());
        assertThat(csv.get(1)).startsWith("0,0,0.00000,2,");
    }

    @Test
    void readsEachSeedsCriticalStepFromTheFixedStarts() {
        Map<String, String> none = Map.of();
        List<StudyRow> rows = List.of(
                new StudyRow("none", 1, 10, none, true, Map.of(), 0, 0),
                new StudyRow("0", 1, 0, none, false, Map.of(), 0, 0),
                new StudyRow("2", 1, 2, none, false, Map.of(), 0, 0),
                new StudyRow("4", 1, 4, none, true, Map.of(), 0, 0),
                new StudyRow("auto", 1, 3, none, false, Map.of("shape", true, "size", false), 0, 0),
                new StudyRow("none", 2, 10, none, false, Map.of(), 0, 0),
                new StudyRow("0", 2, 0, none, false, Map.of(), 0, 0),
                new StudyRow("none", 3, 10, none, true, Map.of(), 0, 0),
                new StudyRow("0", 3, 0, none, true, Map.of(), 0, 0),
                new StudyRow("none", 4, 10, none, false, Map.of(), 0, 0),
                new StudyRow("0", 4, 0, none, true, Map.of(), 0, 0), // early only: not too late
                new StudyRow("4", 4, 4, none, false, Map.of(), 0, 0));

        List<CriticalStep> steps = CriticalStep.of(rows, 10);

        assertThat(steps).extracting(CriticalStep::seed).containsExactly(1L, 2L, 3L, 4L);
        assertThat(steps.get(0).critical()).isEqualTo(4);
        assertThat(steps.get(0).latestSafe()).isEqualTo(2);
        assertThat(steps.get(0).landings()).containsExactly(new CriticalStep.Landing("auto", 3, false, 0.5));
        assertThat(steps.get(1).critical()).isNaN(); // not without the negative prompt: no start is too late
        assertThat(steps.get(1).latestSafe()).isEqualTo(10);
        assertThat(steps.get(2).critical()).isZero(); // shows even from the first start
        assertThat(steps.get(2).latestSafe()).isNaN();
        assertThat(steps.get(3).critical()).isNaN();
        assertThat(steps.get(3).latestSafe()).isEqualTo(10);
        assertThat(StudyReport.criticalCsv(steps))
                .startsWith("seed,critical_step,latest_safe_start,start,picked_step,negated_present,kept_fraction\n"
                        + "1,4.00000,2.00000,auto,3.00000,false,0.500000\n2,,10.0000,,,,\n3,0.00000,,,,,\n");
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
