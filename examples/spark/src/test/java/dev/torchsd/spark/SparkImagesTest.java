package dev.torchsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.StepPoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkImagesTest {
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.IntegerType)
            .add("prompt", DataTypes.StringType)
            .add("negative_prompt", DataTypes.StringType)
            .add("seed", DataTypes.LongType)
            .add("steps", DataTypes.IntegerType)
            .add("guidance", DataTypes.DoubleType)
            .add("width", DataTypes.IntegerType)
            .add("height", DataTypes.IntegerType)
            .add("scheduler", DataTypes.StringType)
            .add("negative_start", DataTypes.StringType)
            .add("negative_end", DataTypes.StringType);

    private static final List<Row> ROWS = List.of(
            RowFactory.create(
                    1,
                    "a large yellow triangle on the left, blue background",
                    null,
                    42L,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null),
            RowFactory.create(
                    2, "a small red circle at the top", "green", 7L, 12, 5.0, null, null, "Euler a", "0.25", null),
            RowFactory.create(3, "a blue square", null, 1L, 4, null, 65, 64, null, null, null),
            RowFactory.create(
                    4, "a blue square on the right, white background", "", 3L, 8, 7.0, 96, 64, "DPM++ 2M", "2", "6"),
            RowFactory.create(
                    5, "a green circle, black background", null, null, 6, null, null, null, null, null, null));

    /** What the library draws for the good rows, written by hand from the rows above. */
    private static GenerationRequest expected(int id, long seed) {
        return switch (id) {
            case 1 ->
                GenerationRequest.builder("a large yellow triangle on the left, blue background")
                        .seed(42)
                        .build();
            case 2 ->
                GenerationRequest.builder("a small red circle at the top")
                        .negativePrompt("green")
                        .seed(7)
                        .steps(12)
                        .guidanceScale(5.0)
                        .scheduler("Euler a")
                        .negativeWindow(new NegativeWindow(StepPoint.fraction(0.25), StepPoint.fraction(1.0)))
                        .build();
            case 4 ->
                GenerationRequest.builder("a blue square on the right, white background")
                        .seed(3)
                        .steps(8)
                        .guidanceScale(7.0)
                        .size(96, 64)
                        .scheduler("DPM++ 2M")
                        .negativeWindow(new NegativeWindow(StepPoint.step(2), StepPoint.step(6)))
                        .build();
            case 5 ->
                GenerationRequest.builder("a green circle, black background")
                        .seed(seed)
                        .steps(6)
                        .build();
            default -> throw new AssertionError("row " + id + " has no image");
        };
    }

    private static SparkSession spark;
    private static StableDiffusion library;

    @BeforeAll
    static void start() {
        spark = LocalSpark.session();
        library = StableDiffusion.builtin();
    }

    @AfterAll
    static void stop() {
        library.close();
    }

    private static Dataset<Row> requests() {
        return spark.createDataFrame(ROWS, SCHEMA).repartition(2);
    }

    private static Map<Integer, Row> byId(List<Row> rows) {
        return rows.stream().collect(Collectors.toMap(r -> r.<Integer>getAs("id"), Function.identity()));
    }

    @Test
    void everyRowsPngIsTheLibrarysAndABadRowFailsAlone() throws IOException {
        Progress progress = Progress.register(spark.sparkContext());
        Map<Integer, Row> out = byId(
                SparkImages.generate(requests(), ModelSpec.builtin(), progress).collectAsList());

        assertThat(out).hasSize(ROWS.size());
        for (Row row : out.values()) {
            int id = row.getAs("id");
            Row in = ROWS.get(id - 1);
            for (int i = 0; i < in.length(); i++) {
                assertThat(row.get(i))
                        .as("row %d passes column %s through", id, SCHEMA.fields()[i].name())
                        .isEqualTo(in.get(i));
            }
            if (id == 3) {
                assertThat(row.<String>getAs("error")).contains("width").contains("65");
                assertThat(row.<byte[]>getAs("png")).isNull();
                assertThat(row.<String>getAs("infotext")).isNull();
                continue;
            }
            assertThat(row.<String>getAs("error")).as("row %d", id).isNull();
            long seed = row.getAs("final_seed");
            GenerationResult result = library.generate(expected(id, seed));
            assertThat(row.<byte[]>getAs("png")).as("row %d", id).isEqualTo(png(result));
            assertThat(row.<String>getAs("infotext")).isEqualTo(result.infotext());
            assertThat(row.<Long>getAs("generate_ms")).isPositive();
            assertThat(row.<Long>getAs("encode_ms")).isNotNegative();
        }
        assertThat(out.get(1).<Long>getAs("final_seed")).isEqualTo(42L);
        assertThat(out.get(5).<Long>getAs("final_seed")).isBetween(0L, 0xFFFFFFFFL);
        assertThat(progress.images().value()).isEqualTo(4);
        assertThat(progress.errors().value()).isEqualTo(1);
    }

    @Test
    void aRowsPngIsByteForByteWhatTheCommandLineWrites(@TempDir Path dir) throws Exception {
        Row row = byId(SparkImages.generate(requests().where("id = 2"), ModelSpec.builtin())
                        .collectAsList())
                .get(2);
        byte[] cli = TorchsdCli.generate(
                dir,
                "--prompt",
                "a small red circle at the top",
                "--negative-prompt",
                "green",
                "--seed",
                "7",
                "--steps",
                "12",
                "--guidance",
                "5.0",
                "--scheduler",
                "Euler a",
                "--negative-start",
                "0.25");
        assertThat(row.<byte[]>getAs("png")).isEqualTo(cli);
    }

    @Test
    void aSecondJobOnTheSameExecutorsDoesNotLoadTheModelAgain() {
        Progress first = Progress.register(spark.sparkContext());
        SparkImages.generate(requests().where("id in (1, 3)"), ModelSpec.builtin(), first)
                .collectAsList();
        Progress second = Progress.register(spark.sparkContext());
        List<Row> again = SparkImages.generate(requests().where("id in (1, 3)"), ModelSpec.builtin(), second)
                .collectAsList();

        assertThat(again).hasSize(2);
        assertThat(second.images().value()).isEqualTo(1);
        assertThat(second.loads().value()).isZero();
        // two tasks on two cores, any number of jobs: one load in this JVM
        assertThat(ModelCache.loads(ModelSpec.builtin())).isEqualTo(1);
    }

    @Test
    void aModelShippedWithTheJobDrawsWhatTheSameFolderDraws() throws IOException {
        String shipped = ModelSpec.ship(spark.sparkContext(), library.info().folder());
        ModelSpec spec = ModelSpec.folder(shipped);
        Row row = SparkImages.generate(requests().where("id = 1"), spec)
                .collectAsList()
                .get(0);

        assertThat(shipped).startsWith(ModelSpec.SPARK_FILES);
        assertThat(row.<String>getAs("error")).isNull();
        assertThat(row.<byte[]>getAs("png")).isEqualTo(png(library.generate(expected(1, 42))));
        assertThat(ModelCache.loads(spec)).isEqualTo(1);
    }

    @Test
    void requestsWithoutAPromptColumnAreRefusedBeforeAnyTask() {
        Dataset<Row> noPrompt = requests().drop("prompt");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SparkImages.generate(noPrompt, ModelSpec.builtin()))
                .hasMessageContaining("'prompt' column");
        Dataset<Row> clash = requests().withColumn("error", org.apache.spark.sql.functions.lit("x"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SparkImages.generate(clash, ModelSpec.builtin()))
                .hasMessageContaining("column 'error'");
    }

    static byte[] png(GenerationResult result) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        result.writePng(0, bytes);
        return bytes.toByteArray();
    }
}
