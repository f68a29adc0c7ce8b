package dev.torchsd.eval;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * Generates images for captions with a model and checks them with {@link SceneChecker}: the
 * measurements behind {@code torchsd eval}. Caption i is drawn with seed {@code seed + i}, so a
 * run is reproducible.
 */
public final class Evaluation {
    private final StableDiffusion sd;
    private final GenerationRequest settings;
    private BiConsumer<String, BufferedImage> imageSink = (caption, image) -> {};
    private long unetRows;

    public Evaluation(StableDiffusion sd, int steps, double guidance, String scheduler) {
        this(
                sd,
                GenerationRequest.builder("")
                        .steps(steps)
                        .guidanceScale(guidance)
                        .scheduler(scheduler)
                        .build());
    }

    /** Draws with the steps, guidance and sampler (and its config) of {@code settings}; prompts and seeds vary. */
    public Evaluation(StableDiffusion sd, GenerationRequest settings) {
        this.sd = sd;
        this.settings = settings;
    }

    /** Receives every generated image with its caption (e.g. to save them). */
    public Evaluation onImage(BiConsumer<String, BufferedImage> sink) {
        this.imageSink = sink;
        return this;
    }

    /**
     * {@code count} full captions (size, color, shape, position, plain background) of training
     * color/shape pairs, or of the held-out pairs the model never saw.
     */
    public static List<String> captions(boolean heldOut, int count, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>();
        List<String> sizes = List.of("small", "large");
        List<String> positions = List.copyOf(SceneVocabulary.POSITIONS.keySet());
        List<String> backgrounds = List.copyOf(SceneVocabulary.PALETTE.keySet());
        while (out.size() < count) {
            String color = SceneVocabulary.SHAPE_COLORS.get(random.nextInt(SceneVocabulary.SHAPE_COLORS.size()));
            String shape = SceneVocabulary.SHAPES.get(random.nextInt(SceneVocabulary.SHAPES.size()));
            String size = sizes.get(random.nextInt(sizes.size()));
            String position = positions.get(random.nextInt(positions.size()));
            String background = backgrounds.get(random.nextInt(backgrounds.size()));
            if (SceneVocabulary.HELD_OUT_PAIRS.contains(color + " " + shape) != heldOut || background.equals(color)) {
                continue;
            }
            out.add(new Scene(color, shape, size, position).caption(background));
        }
        return out;
    }

    /** Draws every caption once and tallies what the checker sees against what the caption asks. */
    public Accuracy score(List<String> captions, long seed) {
        Accuracy tally = Accuracy.NONE;
        for (int i = 0; i < captions.size(); i++) {
            String caption = captions.get(i);
            tally = tally.plus(CaptionReader.read(caption), SceneChecker.check(draw(caption, "", seed + i)));
        }
        return tally;
    }

    /** The fraction of {@code count} images of {@code prompt} (negative prompt {@code negative}) whose shape is {@code color}. */
    public double colorRate(String prompt, String negative, String color, int count, long seed) {
        int hits = 0;
        for (int i = 0; i < count; i++) {
            if (color.equals(
                    SceneChecker.check(draw(prompt, negative, seed + i)).color())) {
                hits++;
            }
        }
        return hits / (double) count;
    }

    /**
     * The U-Net's work so far in image rows: a call with guidance counts 2 per image, one without 1
     * (what a {@link dev.torchsd.pipeline.GuidanceWindow} saves).
     */
    public long unetRows() {
        return unetRows;
    }

    /** One image of a prompt. */
    public BufferedImage draw(String prompt, String negative, long seed) {
        GenerationRequest request = settings.toBuilder()
                .prompt(prompt)
                .negativePrompt(negative)
                .seed(seed)
                .build();
        BufferedImage image = sd.generate(request, GenerationListener.onEachPrediction(p -> {
                    unetRows += p.epsNegative() == null ? 1 : 2; // a call with guidance ran both halves
                    return null;
                }))
                .image();
        imageSink.accept(prompt + (negative.isEmpty() ? "" : " [not " + negative + "]"), image);
        return image;
    }
}
