package dev.torchsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.ImageInput;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code loras}, {@code init_image} and {@code strength} columns in local[2]: a LoRA row and an
 * init-image row are byte for byte what {@code torchsd generate --lora} / {@code --init-image}
 * write; a bad image, a path outside the images folder or an unknown LoRA fails its row alone.
 */
class ImageAndLoraColumnsTest {
    static final Path SCENE = Path.of("../../src/test/resources/fixtures/scenes/scene-43.png");
    static final String PROMPT = "a large blue circle on the left, white background";

    @TempDir
    static Path dir;

    static SparkSession spark;
    static StableDiffusion library;
    static Path loras;
    static Path images;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.session();
        library = StableDiffusion.builtin();
        loras = Files.createDirectories(dir.resolve("loras"));
        TinyLora.write(loras.resolve("star.safetensors"), 11);
        images = Files.createDirectories(dir.resolve("images"));
        Files.copy(SCENE, images.resolve("scene.png"));
    }

    @AfterAll
    static void stop() {
        library.close();
    }

    @Test
    void loraAndInitImagePathRowsAreWhatTheCommandLineWrites() throws Exception {
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType)
                .add("prompt", DataTypes.StringType)
                .add("seed", DataTypes.LongType)
                .add("steps", DataTypes.IntegerType)
                .add("loras", DataTypes.StringType)
                .add("init_image", DataTypes.StringType)
                .add("strength", DataTypes.StringType);
        List<Row> rows = List.of(
                RowFactory.create(1, PROMPT, 5L, 6, "star:0.8", null, null),
                RowFactory.create(2, PROMPT, 5L, 6, null, "scene.png", "0.6"),
                RowFactory.create(3, PROMPT, 5L, 6, null, "../loras/star.safetensors", null),
                RowFactory.create(4, PROMPT, 5L, 6, "nope", null, null),
                RowFactory.create(5, PROMPT, 5L, 6, null, null, "0.5"));
        Map<Integer, Row> out = byId(SparkImages.generate(
                        spark.createDataFrame(rows, schema).repartition(2),
                        ModelSpec.builtin(),
                        new InputFolders(loras.toString(), images.toString()),
                        Progress.register(spark.sparkContext()))
                .collectAsList());

        assertThat(out.get(1).<String>getAs("error")).isNull();
        assertThat(out.get(1).<byte[]>getAs("png"))
                .isEqualTo(TorchsdCli.generate(
                        dir,
                        "--prompt",
                        PROMPT,
                        "--seed",
                        "5",
                        "--steps",
                        "6",
                        "--lora",
                        loras.resolve("star.safetensors") + ":0.8"));
        assertThat(out.get(1).<String>getAs("infotext")).contains("Lora hashes: \"star: ");
        assertThat(out.get(2).<String>getAs("error")).isNull();
        assertThat(out.get(2).<byte[]>getAs("png"))
                .isEqualTo(TorchsdCli.generate(
                        dir,
                        "--prompt",
                        PROMPT,
                        "--seed",
                        "5",
                        "--steps",
                        "6",
                        "--init-image",
                        images.resolve("scene.png").toString(),
                        "--strength",
                        "0.6"));
        assertThat(out.get(3).<String>getAs("error")).contains("not a relative path inside the images folder");
        assertThat(out.get(4).<String>getAs("error")).contains("column loras", "no LoRA named 'nope'", "[star]");
        assertThat(out.get(5).<String>getAs("error")).contains("column strength", "no init_image");
        for (int id : new int[] {3, 4, 5}) {
            assertThat(out.get(id).<byte[]>getAs("png")).as("row %d", id).isNull();
        }
    }

    @Test
    void initImageBytesAreTheLibrarysImageToImageAndBadBytesFailTheirRow() throws Exception {
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType)
                .add("prompt", DataTypes.StringType)
                .add("seed", DataTypes.LongType)
                .add("steps", DataTypes.IntegerType)
                .add("init_image", DataTypes.BinaryType)
                .add("strength", DataTypes.DoubleType);
        byte[] scene = Files.readAllBytes(SCENE);
        List<Row> rows = List.of(
                RowFactory.create(1, PROMPT, 8L, 10, scene, 0.5),
                RowFactory.create(2, PROMPT, 8L, 10, "not a png".getBytes(StandardCharsets.UTF_8), 0.5),
                RowFactory.create(3, PROMPT, 8L, 10, scene, 1.5));
        Map<Integer, Row> out =
                byId(SparkImages.generate(spark.createDataFrame(rows, schema).repartition(2), ModelSpec.builtin())
                        .collectAsList());

        GenerationRequest expected = GenerationRequest.builder(PROMPT)
                .seed(8)
                .steps(10)
                .image(ImageInput.of(ImageIO.read(new ByteArrayInputStream(scene)))
                        .withStrength(0.5))
                .build();
        assertThat(out.get(1).<String>getAs("error")).isNull();
        assertThat(out.get(1).<byte[]>getAs("png")).isEqualTo(SparkImagesTest.png(library.generate(expected)));
        assertThat(out.get(2).<String>getAs("error")).contains("column init_image", "not an image");
        assertThat(out.get(3).<String>getAs("error")).contains("strength must be in 0..1");
    }

    private static Map<Integer, Row> byId(List<Row> rows) {
        return rows.stream().collect(Collectors.toMap(r -> r.<Integer>getAs("id"), Function.identity()));
    }
}
