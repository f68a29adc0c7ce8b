package dev.torchsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchJobTest {
    /** The core project's test embedding, made for the built-in model. */
    private static final Path EMBEDDING = Path.of("../../src/test/resources/embeddings/tiny_negative_fp32.safetensors");

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.session();
    }

    private static Progress run(String... args) {
        return BatchJob.run(
                spark,
                new Arguments(
                        args,
                        Arguments.names(
                                "--input",
                                "--format",
                                "--output",
                                "--output-format",
                                "--model",
                                "--embeddings",
                                "--partitions",
                                "--device",
                                "--jit"),
                        Arguments.names("--ship"),
                        BatchJob.USAGE));
    }

    @Test
    void csvToAFolderOfPngsNamedByTheNameColumn(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("prompts.csv");
        Files.writeString(csv, """
                name,prompt,seed,steps,width
                triangle,"a large yellow triangle on the left, blue background",42,6,
                bad,a square,1,six,
                circle,"a small red circle, white background",5,6,96
                """);
        Path out = dir.resolve("out");

        Progress progress = run("--input", csv.toString(), "--output", out.toString(), "--partitions", "2");

        try (Stream<Path> files = Files.list(out);
                StableDiffusion sd = StableDiffusion.builtin()) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("triangle.png", "circle.png");
            assertThat(Files.readAllBytes(out.resolve("triangle.png")))
                    .isEqualTo(SparkImagesTest.png(sd.generate(
                            GenerationRequest.builder("a large yellow triangle on the left, blue background")
                                    .seed(42)
                                    .steps(6)
                                    .build())));
            assertThat(Files.readAllBytes(out.resolve("circle.png")))
                    .isEqualTo(SparkImagesTest.png(
                            sd.generate(GenerationRequest.builder("a small red circle, white background")
                                    .seed(5)
                                    .steps(6)
                                    .width(96)
                                    .build())));
        }
        assertThat(progress.images().value()).isEqualTo(2);
        assertThat(progress.errors().value()).isEqualTo(1);
    }

    @Test
    void jsonLinesToParquetWithShippedEmbeddings(@TempDir Path dir) throws Exception {
        Path embeddings = Files.createDirectories(dir.resolve("embeddings"));
        Files.copy(EMBEDDING, embeddings.resolve(EMBEDDING.getFileName()));
        Path json = dir.resolve("prompts.jsonl");
        Files.writeString(json, """
                {"id": 1, "prompt": "a green square", "negative_prompt": "tiny_negative_fp32", "seed": 9, "steps": 6, "embeddings": ["tiny_negative_fp32"]}
                {"id": 2, "prompt": "a green square", "seed": 9, "steps": 6, "embeddings": ["missing"]}
                """);
        Path out = dir.resolve("images.parquet");

        run(
                "--input",
                json.toString(),
                "--output",
                out.toString(),
                "--output-format",
                "parquet",
                "--embeddings",
                embeddings.toString(),
                "--ship");

        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertThat(rows).hasSize(2);
        GenerationRequest request = GenerationRequest.builder("a green square")
                .negativePrompt("tiny_negative_fp32")
                .seed(9)
                .steps(6)
                .build();
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            byte[] withoutEmbedding = SparkImagesTest.png(sd.generate(request));
            sd.loadTextualInversion(EMBEDDING);
            assertThat(rows.get(0).<String>getAs("error")).isNull();
            assertThat(rows.get(0).<byte[]>getAs("png"))
                    .isEqualTo(SparkImagesTest.png(sd.generate(request)))
                    .isNotEqualTo(withoutEmbedding);
        }
        assertThat(rows.get(1).<String>getAs("error")).contains("'missing'").contains("tiny_negative_fp32");
        assertThat(rows.get(1).<byte[]>getAs("png")).isNull();
    }
}
