package dev.torchsd.bench;

import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CLIP tokenizer's speed: prompts per second for typical Stable Diffusion prompts (20 to 75 tokens)
 * once warm, and the time to load the 49,408-token vocabulary. Run with {@link TokenizerBenchmarks}
 * (see docs/tokenizer.md); needs the real vocabulary in ../shared/clip or {@code -Dtorchsd.vocab=PATH}.
 */
@State(Scope.Thread)
public class TokenizerBenchmark {
    /** Typical prompts: A1111-style tag lists, sentences, weights and punctuation; 20 to 75 tokens each. */
    static final String[] PROMPTS = {
        "masterpiece, best quality, ultra-detailed, 1girl, solo, long hair, looking at viewer, smile, outdoors, "
                + "cherry blossoms, sunlight, depth of field",
        "a photograph of an astronaut riding a horse on the surface of the moon, highly detailed, 8k, dramatic lighting",
        "An oil painting of a lighthouse at dusk, stormy sea, crashing waves, by Ivan Aivazovsky, trending on artstation",
        "portrait of a cyberpunk samurai, neon lights, rain, reflective wet streets, (intricate armor:1.3), "
                + "cinematic composition, volumetric fog, octane render, unreal engine 5, sharp focus, award winning",
        "cozy wooden cabin in a snowy forest at night, warm light from the windows, aurora borealis in the sky, "
                + "smoke from the chimney, pine trees, peaceful, digital art",
        "low quality, worst quality, blurry, bad anatomy, bad hands, extra fingers, missing fingers, watermark, "
                + "signature, text, jpeg artifacts, deformed, disfigured, mutated, ugly, duplicate, cropped, out of frame",
        "a cute corgi puppy wearing a tiny wizard hat, sitting on a pile of old books in a library, soft morning "
                + "light, bokeh, 85mm lens, f/1.8, photorealistic",
        "isometric view of a floating island with a small village, waterfalls cascading into the clouds, "
                + "fantasy, vibrant colors, highly detailed, concept art by Studio Ghibli, 4k wallpaper",
    };

    @Param({""})
    public String vocab;

    private ClipTokenizer tokenizer;
    private Path vocabPath;
    private int next;

    @Setup(Level.Trial)
    public void load() {
        vocabPath = resolveVocab(vocab);
        tokenizer = ClipTokenizer.load(vocabPath, 49407);
    }

    static Path resolveVocab(String param) {
        String chosen = !param.isEmpty() ? param : System.getProperty("torchsd.vocab", "../shared/clip");
        Path path = Path.of(chosen);
        if (!Files.exists(path)) {
            throw new IllegalStateException("vocabulary not found: " + path.toAbsolutePath()
                    + " (give -Dtorchsd.vocab=DIR_OR_GZ or -p vocab=...)");
        }
        return path;
    }

    /** One prompt, to ids; the prompts rotate so the measurement is not one prompt's. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public int[] encodePrompt() {
        String prompt = PROMPTS[next];
        next = (next + 1) % PROMPTS.length;
        return tokenizer.encode(prompt);
    }

    /** One prompt at the text encoder's 77 ids, as the pipeline asks for it. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Encoding encodePromptPadded() {
        String prompt = PROMPTS[next];
        next = (next + 1) % PROMPTS.length;
        return tokenizer.encodePadded(prompt);
    }

    /** Loading the vocabulary (vocab.json + merges.txt, or the .txt.gz) into a tokenizer. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public ClipTokenizer loadVocabulary() {
        return ClipTokenizer.load(vocabPath, 49407);
    }
}
