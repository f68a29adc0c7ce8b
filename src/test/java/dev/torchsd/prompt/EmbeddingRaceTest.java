package dev.torchsd.prompt;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.torchsd.model.Model;
import dev.torchsd.pipeline.PromptSyntax;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/** AUTOMATIC1111-syntax prompts encoded while embeddings load on another thread never see a token without its row. */
class EmbeddingRaceTest {

    @Test
    void encodingWhileLoadingNeverFails() throws Exception {
        try (Model model = Model.loadBuiltin()) {
            PromptEncoder encoder = PromptEncoder.forModel(model, PromptSyntax.A1111);
            StringBuilder text = new StringBuilder("a red circle");
            for (int i = 0; i < 12; i++) {
                text.append(" <e").append(i).append('>');
            }
            List<Fragment> fragments = List.of(Fragment.text(text.toString(), 1.0));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread encoding = new Thread(() -> {
                try {
                    for (int i = 0; i < 400 && failure.get() == null; i++) {
                        try (PointerScope scope = new PointerScope()) {
                            encoder.encode(encoder.chunks(fragments).chunks(), 1);
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            encoding.start();
            Path file = Path.of("src/test/resources/embeddings/tiny_negative_fp32.safetensors");
            for (int i = 0; i < 12; i++) {
                model.loadTextualInversion(file, "<e" + i + ">");
                Thread.sleep(2);
            }
            encoding.join();
            assertNull(failure.get(), () -> "encoding failed while loading: " + failure.get());
        }
    }
}
