package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.scheduler.SchedulerConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --steps}, {@code --scheduler}, {@code --guidance} and {@code --set}: how a generating command
 * samples. Defaults are the library's: {@link GenerationRequest#DEFAULT_STEPS} (or the command's own,
 * see {@link StepsOption}), {@link GenerationRequest#DEFAULT_GUIDANCE} and the model's sampler.
 */
final class SamplingOptions {

    @Mixin
    StepsOption steps;

    @Option(names = {"--scheduler", "--sampler"}, description = "sampler: a diffusers class or AUTOMATIC1111 name (default: the model's)")
    String scheduler;

    @Option(names = {"--guidance", "--cfg-scale"}, description = "classifier-free guidance scale; <= 1 disables guidance"
            + " (default: ${DEFAULT-VALUE})")
    double guidance = GenerationRequest.DEFAULT_GUIDANCE;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "scheduler config override with diffusers' key, e.g. use_karras_sigmas=true")
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
     * Sets steps, guidance, sampler and the --set overrides on {@code request}. The overrides' keys and
     * value types are checked here, so that an error names the {@code --set KEY=VALUE} as written.
     */
    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        withOverrides(SchedulerConfig.empty(), overrides);
        return request.steps(steps()).guidanceScale(guidance).scheduler(scheduler).schedulerOverrides(overrides);
    }

    /** {@code config} with each {@code --set KEY=VALUE}; an error names the {@code --set KEY=VALUE} it comes from. */
    static SchedulerConfig withOverrides(SchedulerConfig config, Map<String, String> overrides) {
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            config = config.with(override.getKey(), override.getValue(),
                    "--set " + override.getKey() + "=" + override.getValue());
        }
        return config;
    }
}
