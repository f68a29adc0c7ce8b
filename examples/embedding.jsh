// Textual inversion from jshell: load an embedding, watch the vocabulary grow, use it in a negative
// prompt, and ask which vocabulary tokens its vectors are nearest to. Start from the project folder:
//   ./mvnw -q -DskipTests package
//   jshell --class-path "$(examples/classpath.sh)" examples/embedding.jsh
// EMBEDDING=path/to/file.safetensors picks another file (it must fit the model: 32 wide for the built-in one).
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import java.nio.file.Path;
import java.util.Arrays;

var file = Path.of(System.getenv().getOrDefault("EMBEDDING", "src/test/resources/embeddings/tiny_negative_fp16.safetensors"));
var sd = StableDiffusion.builtin();
System.out.println("vocabulary before: " + sd.vocabularySize());
var negative = sd.loadTextualInversion(file);
System.out.println("vocabulary after:  " + sd.vocabularySize() + " (" + negative.tokens().size() + " tokens: "
        + negative.token() + " ... " + negative.tokens().get(negative.tokens().size() - 1) + ")");
System.out.println("ids of \"ugly, " + negative.token() + "\": " + Arrays.toString(sd.encodePrompt("ugly, " + negative.token()).ids()));

var result = sd.generate(GenerationRequest.of("a red circle").withNegativePrompt(negative.token()).withSeed(7).withSteps(10));
result.save(Path.of("embedding.png"));
System.out.println(result.infotext());

for (int i = 0; i < 3 && i < negative.ids().length; i++) {
    var vector = sd.tokenVector(negative.ids()[i]);
    System.out.println("nearest to " + negative.tokens().get(i) + ": " + sd.nearestTokens(vector, 3));
}
sd.close();
/exit
