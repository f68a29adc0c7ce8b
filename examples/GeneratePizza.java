import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;

import java.nio.file.Path;

/**
 * A small Java program that generates an image with torchsd.
 *
 *   ./mvnw -q -DskipTests package
 *   java -cp "target/torchsd.jar:target/lib/*" examples/GeneratePizza.java [MODEL_DIR] [OUT.png]
 *
 * Without MODEL_DIR it uses the built-in model.
 */
public class GeneratePizza {
    public static void main(String[] args) {
        Path out = Path.of(args.length > 1 ? args[1] : "pizza.png");
        try (StableDiffusion sd = args.length > 0 ? StableDiffusion.load(Path.of(args[0])) : StableDiffusion.builtin()) {
            GenerationRequest request = GenerationRequest.of("girl eating pizza")
                    .withNegativePrompt("blurry, lowres")
                    .withSeed(42)
                    .withSteps(20);
            sd.generate(request, (step, total) -> {
                System.out.printf("step %d/%d%n", step, total);
                return true;
            }).save(out);
            System.out.println("wrote " + out);
        }
    }
}
