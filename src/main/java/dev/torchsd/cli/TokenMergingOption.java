package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.TokenMerging;
import picocli.CommandLine.Option;

/**
 * {@code --tome RATIO [--tome-max-downsample N]}: token merging ({@link TokenMerging}), shared by the generating
 * commands, {@code eval} and {@code bench}; checked when the request is resolved.
 */
final class TokenMergingOption {

    @Option(
            names = "--tome",
            paramLabel = "RATIO",
            defaultValue = "0",
            description = "token merging (ToMe for SD, AUTOMATIC1111's token_merging_ratio): merge this share of the"
                    + " tokens, [0, 1), before each self-attention of the levels --tome-max-downsample allows;"
                    + " faster, approximate; needs an export with unet.tome (default: 0, off)")
    double ratio;

    @Option(
            names = "--tome-max-downsample",
            paramLabel = "N",
            defaultValue = "" + TokenMerging.DEFAULT_MAX_DOWNSAMPLE,
            description = "with --tome: merge at levels down-sampled by a factor of at most N: 1 (the first level),"
                    + " 2, 4 or 8 (tomesd's max_downsample; default: ${DEFAULT-VALUE})")
    int maxDownsample;

    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        return request.tokenMerging(new TokenMerging(ratio, maxDownsample));
    }
}
