package dev.torchsd.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.StepPoint;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class RequestColumnsTest {
    /** Columns as CSV without a schema reads them: all text. */
    private static Row text(String... namesAndValues) {
        StructType schema = new StructType();
        Object[] values = new Object[namesAndValues.length / 2];
        for (int i = 0; i < values.length; i++) {
            schema = schema.add(namesAndValues[2 * i], DataTypes.StringType);
            values[i] = namesAndValues[2 * i + 1];
        }
        return new GenericRowWithSchema(values, schema);
    }

    @Test
    void textColumnsReadAsTheirTypesAndBlanksAsDefaults() {
        GenerationRequest r = RequestColumns.read(text(
                "prompt",
                "a cat",
                "seed",
                " 12 ",
                "steps",
                "9",
                "guidance",
                "3.5",
                "width",
                "96",
                "height",
                "",
                "scheduler",
                " ",
                "negative_start",
                "40%",
                "clip_skip",
                "2",
                "prompt_syntax",
                "a1111",
                "note",
                "passes through"));

        assertThat(r)
                .isEqualTo(GenerationRequest.builder("a cat")
                        .seed(12)
                        .steps(9)
                        .guidanceScale(3.5)
                        .width(96)
                        .negativeWindow(new NegativeWindow(StepPoint.fraction(0.4), NegativeWindow.ALWAYS.end()))
                        .clipSkip(2)
                        .promptSyntax(PromptSyntax.A1111)
                        .build());
    }

    @Test
    void aMissingOrMinusOneSeedIsDrawnIn32Bits() {
        assertThat(RequestColumns.read(text("prompt", "a")).seed()).isBetween(0L, 0xFFFFFFFFL);
        assertThat(RequestColumns.read(text("prompt", "a", "seed", "-1")).seed())
                .isBetween(0L, 0xFFFFFFFFL);
    }

    @Test
    void badValuesNameTheirColumn() {
        assertThatThrownBy(() -> RequestColumns.read(text("prompt", "a", "steps", "many")))
                .isInstanceOf(TorchsdException.class)
                .hasMessageContaining("column steps")
                .hasMessageContaining("'many'");
        assertThatThrownBy(() -> RequestColumns.read(text("prompt", "a", "width", "99999999999")))
                .hasMessageContaining("column width");
        assertThatThrownBy(() -> RequestColumns.read(text("prompt", "a", "guidance", "high")))
                .hasMessageContaining("column guidance");
        assertThatThrownBy(() -> RequestColumns.read(text("prompt", "a", "seed", "-5")))
                .hasMessageContaining("column seed");
        assertThatThrownBy(() -> RequestColumns.read(text("prompt", "a", "negative_end", "later")))
                .hasMessageContaining("column negative_end")
                .hasMessageContaining("'later'");
        assertThatThrownBy(() -> RequestColumns.read(text("prompt", null))).hasMessageContaining("column prompt");
    }

    @Test
    void embeddingsAreAnArrayOrOneCommaSeparatedString() {
        assertThat(RequestColumns.embeddings(text("prompt", "a", "embeddings", "style, bad-hands,")))
                .containsExactly("style", "bad-hands");
        assertThat(RequestColumns.embeddings(text("prompt", "a"))).isEmpty();
        StructType schema = new StructType().add("embeddings", DataTypes.createArrayType(DataTypes.StringType));
        Row array = new GenericRowWithSchema(
                new Object[] {
                    scala.jdk.javaapi.CollectionConverters.asScala(java.util.List.of("style"))
                            .toSeq()
                },
                schema);
        assertThat(RequestColumns.embeddings(array)).containsExactly("style");
    }
}
