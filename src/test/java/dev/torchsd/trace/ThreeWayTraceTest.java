package dev.torchsd.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.StepPrediction;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three-way trace: [empty; negative; positive] at the calls that use the negative prompt. */
class ThreeWayTraceTest {
    static StableDiffusion sd;
    static final GenerationRequest REQUEST = GenerationRequest.of("a red circle on the left")
            .withNegativePrompt("blue")
            .withSeed(4)
            .withSteps(4)
            .withScheduler("DDIM");

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    /** The first call's predictions (empty, negative, positive; the same latents in every run of the seed). */
    private static float[][] firstCall(GenerationRequest request, boolean threeWay) {
        float[][] out = new float[3][];
        sd.generate(request, new GenerationListener() {
            @Override
            public boolean wantsEmptyPrediction() {
                return threeWay;
            }

            @Override
            public Tensor onPrediction(StepPrediction p) {
                if (p.call() == 0) {
                    out[0] = p.epsEmpty() == null ? null : Tensors.toFloats(p.epsEmpty());
                    out[1] = Tensors.toFloats(p.epsNegative());
                    out[2] = Tensors.toFloats(p.epsPositive());
                }
                return null;
            }
        });
        return out;
    }

    @Test
    void theEmptyBranchIsTheEmptyPromptsPredictionAndTheTraceRecordsItsEffect(@TempDir Path dir) {
        float[][] threeWay = firstCall(REQUEST, true);
        float[][] twoWay = firstCall(REQUEST, false);
        float[][] withoutNegative = firstCall(REQUEST.withNegativePrompt(""), false);
        assertThat(twoWay[0]).isNull();
        double effect = 0;
        for (int i = 0; i < threeWay[0].length; i++) {
            assertThat(threeWay[0][i]).isCloseTo(withoutNegative[1][i], within(1e-4f));
            assertThat(threeWay[1][i]).isCloseTo(twoWay[1][i], within(1e-4f));
            assertThat(threeWay[2][i]).isCloseTo(twoWay[2][i], within(1e-4f));
            effect += Math.pow(twoWay[1][i] - withoutNegative[1][i], 2);
        }

        TraceRecorder trace = new TraceRecorder(sd, false, true);
        var result = sd.generate(REQUEST, trace);
        List<StepRecord> records = trace.records();
        assertThat(records).hasSize(4).allSatisfy(r -> {
            assertThat(r.negativeActive()).isTrue();
            assertThat(r.alignment()).isBetween(-1.0, 1.0);
        });
        assertThat(records.get(0).negativeEffect()).isCloseTo(Math.sqrt(effect), within(1e-3 * Math.sqrt(effect)));
        assertThat(trace.branchPreviews()).hasSize(12);
        assertThat(trace.branchLabels()).startsWith("call 0 empty", "call 0 negative", "call 0 positive");
        TraceWriter.write(dir, trace, result);
        assertThat(dir.resolve("branches.png")).isRegularFile();
    }

    @Test
    void withoutThreeWayTheColumnsAreEmpty() {
        TraceRecorder plain = new TraceRecorder(sd, false);
        assertThat(plain.wantsEmptyPrediction()).isFalse();
        sd.generate(REQUEST.withSteps(2), plain);
        String csv = TraceWriter.csv(plain.records());
        assertThat(csv.lines().findFirst().orElseThrow()).endsWith(",norm_guidance,negative_effect,alignment");
        assertThat(csv.lines().skip(1).findFirst().orElseThrow()).endsWith(",,");
        assertThat(plain.branchPreviews()).isEmpty();
    }
}
