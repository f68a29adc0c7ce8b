import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import java.nio.file.Path;

/**
 * A small Java program that generates an image with torchsd.
 *
 *   ./mvnw -q -DskipTests package
 *   java -cp "target/torchsd.jar:target/lib/*" examples/GeneratePizza.java [OUT.png [MODEL_DIR]]
 *
 * Without MODEL_DIR it uses the built-in model; OUT.png defaults to pizza.png.
 */
public class GeneratePizza {
    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "pizza.png");
        try (StableDiffusion sd =
                args.length > 1 ? StableDiffusion.load(Path.of(args[1])) : StableDiffusion.builtin()) {
            GenerationRequest request = GenerationRequest.of("girl eating pizza")
                    .withNegativePrompt("blurry, lowres")
                    .withSeed(42)
                    .withSteps(20);
            sd.generate(request, GenerationListener.onEachStep(progress -> {
                        System.out.printf("step %d/%d%n", progress.step(), progress.totalSteps());
                        return true;
                    }))
                    .save(out);
            System.out.println("wrote " + out);
        }
    }
}
