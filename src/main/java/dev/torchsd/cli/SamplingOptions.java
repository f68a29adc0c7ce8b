package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.scheduler.SchedulerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --steps}, {@code --scheduler} and {@code --set}: the sampler, its step count and its config.
 * Defaults are the library's: {@link GenerationRequest#DEFAULT_STEPS} (or the command's own, see
 * {@link StepsOption}) and the model's sampler with the model's config.
 */
final class SamplingOptions {

    @Mixin
    StepsOption steps;

    @Option(
            names = {"--scheduler", "--sampler"},
            paramLabel = "NAME",
            description =
                    "sampler: a diffusers class or"
                            + " AUTOMATIC1111 name, case-insensitive (default: the model's, its scheduler config's _class_name)")
    String scheduler;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "scheduler config value with diffusers' key and"
                    + " spelling, e.g. use_karras_sigmas=true; repeatable")
    Map<String, String> overrides = new LinkedHashMap<>();

    SamplingOptions() {
        this(GenerationRequest.DEFAULT_STEPS);
    }

    SamplingOptions(int defaultSteps) {
        steps = new StepsOption(defaultSteps);
    }

    int steps() {
        return steps.steps;
    }

    /**
     * Sets steps, sampler and the --set overrides on {@code request}. The overrides' keys and value types
     * are checked here, so that an error names the {@code --set KEY=VALUE} as written; ranges and
     * combinations are the sampler's to check when the generation makes it (with the model's config).
     */
    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        applyTo(SchedulerConfig.empty());
        return request.steps(steps()).scheduler(scheduler).schedulerOverrides(overrides);
    }

    /** {@code config} with each {@code --set KEY=VALUE}; an error names the {@code --set KEY=VALUE} it comes from. */
    SchedulerConfig applyTo(SchedulerConfig config) {
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            config = config.with(
                    override.getKey(), override.getValue(), "--set " + override.getKey() + "=" + override.getValue());
        }
        return config;
    }
}
