package dev.torchsd.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.torchsd.model.Manifest;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.SchedulerException;
import dev.torchsd.scheduler.Schedulers;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd schedule}: prints a sampler's timesteps, sigmas, init_noise_sigma and order for a
 * step count, to compare with diffusers' {@code scheduler.set_timesteps(N); scheduler.timesteps}.
 */
@Command(
        name = "schedule",
        mixinStandardHelpOptions = true,
        description = {
            "Print the timesteps, sigmas, init_noise_sigma and order of a sampler.",
            "Without --model or --config, Stable Diffusion 1.5's scheduler config is used."
        })
public final class ScheduleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--list", description = "list the accepted sampler names and exit")
    boolean list;

    @Mixin
    SamplingOptions sampling;

    @ArgGroup(exclusive = true)
    Source source;

    static final class Source {
        @Option(
                names = {"-m", "--model"},
                paramLabel = "DIR",
                description = "a torchsd model folder: its model.json \"scheduler\"")
        Path model;

        @Option(names = "--config", paramLabel = "FILE", description = "a diffusers scheduler_config.json")
        Path config;
    }

    @Option(
            names = "--json",
            description = "print one JSON object {scheduler, timesteps, sigmas, init_noise_sigma, order};"
                    + " sigmas as diffusers' scheduler.sigmas, plus KDPM2's sigmas_interpol")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (String name : Schedulers.names()) {
                String className = Schedulers.className(name);
                Map<String, String> fixed = Schedulers.fixedValues(name);
                if (className.equals(name)) {
                    out.println(name);
                } else {
                    out.println(name + "  ->  " + className + (fixed.isEmpty() ? "" : " " + fixed));
                }
            }
            return 0;
        }
        SchedulerConfig config = sampling.applyTo(loadConfig());
        try (Scheduler sampler = Schedulers.create(sampling.scheduler, config, sampling.steps())) {
            if (json) {
                out.println(new GsonBuilder()
                        .serializeNulls()
                        .serializeSpecialFloatingPointValues()
                        .create()
                        .toJson(toJson(sampler)));
            } else {
                printText(out, sampler);
            }
        }
        return 0;
    }

    private SchedulerConfig loadConfig() {
        if (source == null) {
            return SchedulerConfig.sd15();
        }
        if (source.model != null) {
            Manifest manifest = Manifest.read(source.model);
            if (manifest.scheduler() == null) {
                throw new SchedulerException(source.model.resolve(Manifest.FILE_NAME) + ": no \"scheduler\" object");
            }
            return SchedulerConfig.fromJson(
                    manifest.scheduler(), source.model.resolve(Manifest.FILE_NAME) + " scheduler");
        }
        try {
            return SchedulerConfig.parse(Files.readString(source.config), source.config.toString());
        } catch (IOException e) {
            throw new SchedulerException("cannot read scheduler config " + source.config + ": " + e.getMessage());
        }
    }

    static JsonObject toJson(Scheduler sampler) {
        JsonObject json = new JsonObject();
        json.addProperty("scheduler", sampler.name());
        json.add("timesteps", array(sampler.timesteps()));
        Map<String, double[]> tables = sampler.diffusersSigmas();
        if (tables.isEmpty()) {
            json.add("sigmas", JsonNull.INSTANCE);
        }
        tables.forEach((name, values) -> json.add(name, array(values)));
        json.add("init_noise_sigma", number(sampler.initNoiseSigma()));
        json.addProperty("order", sampler.order());
        return json;
    }

    private static void printText(PrintWriter out, Scheduler sampler) {
        double[] timesteps = sampler.timesteps();
        Map<String, double[]> tables = sampler.diffusersSigmas();
        out.println("scheduler:        " + sampler.name());
        out.println("order:            " + sampler.order());
        out.println("init_noise_sigma: " + format(sampler.initNoiseSigma()));
        out.println("timesteps (" + timesteps.length + "): " + join(timesteps));
        if (tables.isEmpty()) {
            out.println("sigmas:           none");
        }
        tables.forEach((name, values) -> out.println(name + " (" + values.length + "): " + join(values)));
    }

    private static String join(double[] values) {
        StringJoiner joiner = new StringJoiner(", ");
        for (double value : values) {
            joiner.add(format(value));
        }
        return joiner.toString();
    }

    /** Timesteps and sigmas are float32 values: printed as such, integers without a decimal point, NaN as NaN. */
    static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Float.toString((float) value);
    }

    private static JsonArray array(double[] values) {
        JsonArray array = new JsonArray();
        for (double value : values) {
            array.add(number(value));
        }
        return array;
    }

    private static JsonPrimitive number(double value) {
        if (!Double.isFinite(value)) {
            return new JsonPrimitive(value);
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return new JsonPrimitive((long) value);
        }
        return new JsonPrimitive(new BigDecimal(Float.toString((float) value)));
    }
}
