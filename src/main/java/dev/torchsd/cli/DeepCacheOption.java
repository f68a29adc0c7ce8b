package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import picocli.CommandLine.Option;

/**
 * {@code --deepcache N}: DeepCache's cache interval ({@link GenerationRequest#deepCacheInterval()}), shared by the
 * generating commands, {@code eval} and {@code bench}; checked when the request is resolved.
 */
final class DeepCacheOption {

    @Option(
            names = "--deepcache",
            paramLabel = "N",
            defaultValue = "1",
            description = "DeepCache (cache_interval): every N-th U-Net call runs the whole network and keeps its deep"
                    + " features, the calls between run only its outermost blocks on them; faster, approximate;"
                    + " needs an export with unet.deepcache (default: 1, off)")
    int interval;

    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        return request.deepCacheInterval(interval);
    }
}
