// torchsd from jshell. Start it with the project's classpath:
//   ./mvnw -q -DskipTests package
//   jshell --class-path "$(examples/classpath.sh)" examples/generate.jsh
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import java.nio.file.Path;

var sd = StableDiffusion.builtin();
var result = sd.generate(GenerationRequest.of("a red circle on the left, blue background").withSeed(7));
result.save(Path.of("jshell.png"));
System.out.println(result.infotext());

// Look inside: the tokenizer and what the model is.
var tokens = sd.tokenize("a red circle");
System.out.println(java.util.Arrays.toString(tokens.ids()) + " " + tokens.tokens());
System.out.println("vocabulary: " + sd.vocabularySize() + " tokens; " + sd.info());

sd.close();
/exit
