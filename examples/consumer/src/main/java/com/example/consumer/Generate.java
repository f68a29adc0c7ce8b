package com.example.consumer;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import java.nio.file.Path;

/**
 * Draws one image with torchsd's built-in model, writes it as a PNG and prints its infotext.
 *
 * <pre>Generate OUT.png PROMPT SEED</pre>
 */
public final class Generate {
    private Generate() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: Generate OUT.png PROMPT SEED");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        GenerationRequest request = GenerationRequest.of(args[1]).withSeed(Long.parseLong(args[2]));
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationResult result = sd.generate(request);
            result.save(out);
            System.out.println(result.infotext());
        }
    }
}
