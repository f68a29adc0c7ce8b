package dev.torchsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.torchsd.Internals;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every invalid request value is refused before any work, naming the field and the value. */
class GenerationRequestTest {
    static Model model;
    static Manifest manifest;

    @BeforeAll
    static void load() {
        model = Model.loadBuiltin();
        manifest = model.manifest();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static String error(GenerationRequest r) {
        return assertThrows(RequestException.class, () -> Internals.resolve(r, manifest))
                .getMessage();
    }

    @Test
    void defaultsComeFromTheModel() {
        GenerationRequest r = Internals.resolve(GenerationRequest.of("x"), manifest);
        assertEquals(manifest.defaultWidth(), r.width().getAsInt());
        assertEquals(manifest.defaultHeight(), r.height().getAsInt());
        assertEquals("", r.negativePrompt());
    }

    @Test
    void sizeMustBeAMultipleOf8Within64To1024() {
        GenerationRequest r = GenerationRequest.of("x");
        assertThat(error(r.withSize(100, 64)))
                .contains("width")
                .contains("multiple of 8")
                .contains("100");
        assertThat(error(r.withSize(64, 56))).contains("height").contains("56");
        assertThat(error(r.withSize(1032, 64))).contains("width").contains("1032");
        assertEquals(
                1024, Internals.resolve(r.withSize(1024, 64), manifest).width().getAsInt());
    }

    @Test
    void stepsBatchGuidanceSeedAndClipSkip() {
        GenerationRequest r = GenerationRequest.of("x");
        assertThat(error(r.withSteps(0))).contains("steps").contains("0");
        assertThat(error(r.withBatchSize(0))).contains("batch").contains("0");
        assertThat(error(r.withBatchSize(65))).contains("batch").contains("65");
        assertThat(error(r.withGuidanceScale(Double.NaN))).contains("guidance").contains("NaN");
        assertThat(error(r.withGuidanceScale(-1))).contains("guidance").contains("-1");
        assertThat(error(r.withSeed(-5))).contains("seed").contains("-5");
        assertThat(error(r.withClipSkip(0))).contains("clip skip").contains("0");
    }

    @Test
    void vaeTilesAreWholeLatentPixelsAndOverlapLessThanATile() {
        GenerationRequest r = GenerationRequest.of("x");
        assertEquals(VaeTiling.OFF, Internals.resolve(r, manifest).vaeTiling());
        assertEquals(
                new VaeTiling(512, 128),
                Internals.resolve(r.withVaeTiling(VaeTiling.DEFAULT), manifest).vaeTiling());
        assertEquals(
                new VaeTiling(64, 0),
                Internals.resolve(r.withVaeTiling(new VaeTiling(64, 0)), manifest)
                        .vaeTiling());
        assertThat(error(r.withVaeTiling(new VaeTiling(100, 24))))
                .contains("tile size")
                .contains("multiple of 8")
                .contains("100");
        assertThat(error(r.withVaeTiling(new VaeTiling(32, 8))))
                .contains("tile size")
                .contains("from 64")
                .contains("32");
        assertThat(error(r.withVaeTiling(new VaeTiling(64, 64))))
                .contains("overlap")
                .contains("less than the tile")
                .contains("64");
        assertThat(error(r.withVaeTiling(new VaeTiling(128, 12))))
                .contains("overlap")
                .contains("multiple of 8")
                .contains("12");
        assertThat(error(r.withVaeTiling(new VaeTiling(128, -8))))
                .contains("overlap")
                .contains("-8");
    }

    @Test
    void vaeTilingReadsTileOrTileAndOverlap() {
        assertEquals(new VaeTiling(256, 64), VaeTiling.parse("256"));
        assertEquals(new VaeTiling(256, 32), VaeTiling.parse(" 256:32 "));
        assertEquals(VaeTiling.DEFAULT, VaeTiling.parse(VaeTiling.DEFAULT.toString()));
        for (String bad : new String[] {"", "big", "256:", ":64", "256:64:8", "2.5"}) {
            assertThat(assertThrows(RequestException.class, () -> VaeTiling.parse(bad))
                            .getMessage())
                    .contains("TILE:OVERLAP")
                    .contains("'" + bad + "'");
        }
    }
}
