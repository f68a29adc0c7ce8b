package dev.torchsd.scheduler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The sampler registry: diffusers class names and AUTOMATIC1111 names, matched case-insensitively.
 * Some AUTOMATIC1111 names fix config values (e.g. "DPM++ 2M Karras" = DPMSolverMultistepScheduler with
 * use_karras_sigmas=true; "PLMS" = PNDMScheduler with skip_prk_steps=true); those override the config.
 */
public final class Schedulers {

    /** The scheduler used when neither a name nor the config's {@code _class_name} is given. */
    public static final String DEFAULT = PndmScheduler.NAME;

    /** Reads a scheduler's config record from the config (checking its values), then builds the scheduler. */
    private interface Factory {
        Scheduler create(SchedulerConfig config, int steps);
    }

    /** One accepted name: the diffusers class it selects and the config values it fixes. */
    private record Entry(String name, String className, Map<String, String> fixed, Factory factory) {}

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        diffusers(PndmScheduler.NAME, PndmScheduler::readConfig, PndmScheduler::new);
        diffusers(DdimScheduler.NAME, DdimScheduler::readConfig, DdimScheduler::new);
        diffusers(DdpmScheduler.NAME, DdpmScheduler::readConfig, DdpmScheduler::new);
        diffusers(EulerDiscreteScheduler.NAME, EulerDiscreteScheduler::readConfig, EulerDiscreteScheduler::new);
        diffusers(
                EulerAncestralDiscreteScheduler.NAME,
                EulerAncestralDiscreteScheduler::readConfig,
                EulerAncestralDiscreteScheduler::new);
        diffusers(LmsDiscreteScheduler.NAME, LmsDiscreteScheduler::readConfig, LmsDiscreteScheduler::new);
        diffusers(HeunDiscreteScheduler.NAME, HeunDiscreteScheduler::readConfig, HeunDiscreteScheduler::new);
        diffusers(KDpm2DiscreteScheduler.NAME, KDpm2DiscreteScheduler::readConfig, KDpm2DiscreteScheduler::new);
        diffusers(
                DpmSolverMultistepScheduler.NAME,
                DpmSolverMultistepScheduler::readConfig,
                DpmSolverMultistepScheduler::new);
        diffusers(
                DpmSolverSinglestepScheduler.NAME,
                DpmSolverSinglestepScheduler::readConfig,
                DpmSolverSinglestepScheduler::new);
        diffusers(UniPcMultistepScheduler.NAME, UniPcMultistepScheduler::readConfig, UniPcMultistepScheduler::new);

        alias("PLMS", PndmScheduler.NAME, Map.of("skip_prk_steps", "true"));
        alias("DDIM", DdimScheduler.NAME, Map.of());
        alias("DDPM", DdpmScheduler.NAME, Map.of());
        alias("Euler", EulerDiscreteScheduler.NAME, Map.of());
        alias("Euler a", EulerAncestralDiscreteScheduler.NAME, Map.of());
        alias("LMS", LmsDiscreteScheduler.NAME, Map.of());
        alias("LMS Karras", LmsDiscreteScheduler.NAME, Map.of("use_karras_sigmas", "true"));
        alias("Heun", HeunDiscreteScheduler.NAME, Map.of());
        alias("DPM2", KDpm2DiscreteScheduler.NAME, Map.of());
        alias("DPM2 Karras", KDpm2DiscreteScheduler.NAME, Map.of("use_karras_sigmas", "true"));
        alias(
                "DPM++ 2M",
                DpmSolverMultistepScheduler.NAME,
                Map.of("algorithm_type", "dpmsolver++", "solver_order", "2"));
        alias(
                "DPM++ 2M Karras",
                DpmSolverMultistepScheduler.NAME,
                Map.of("algorithm_type", "dpmsolver++", "solver_order", "2", "use_karras_sigmas", "true"));
        alias(
                "DPM++ 2S",
                DpmSolverSinglestepScheduler.NAME,
                Map.of("algorithm_type", "dpmsolver++", "solver_order", "2"));
        alias("UniPC", UniPcMultistepScheduler.NAME, Map.of());
    }

    private Schedulers() {}

    private static <C> void diffusers(
            String className, Function<SchedulerConfig, C> readConfig, BiFunction<C, Integer, Scheduler> create) {
        Factory factory = (config, steps) -> create.apply(readConfig.apply(config), steps);
        ENTRIES.put(className.toLowerCase(Locale.ROOT), new Entry(className, className, Map.of(), factory));
    }

    private static void alias(String name, String className, Map<String, String> fixed) {
        Factory factory = ENTRIES.get(className.toLowerCase(Locale.ROOT)).factory();
        ENTRIES.put(name.toLowerCase(Locale.ROOT), new Entry(name, className, fixed, factory));
    }

    /** Every accepted name: the diffusers class names first, then the AUTOMATIC1111 names. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Entry entry : ENTRIES.values()) {
            names.add(entry.name());
        }
        return Collections.unmodifiableList(names);
    }

    /** The diffusers class a name selects, e.g. "Euler a" -> EulerAncestralDiscreteScheduler. */
    public static String className(String name) {
        return entry(name).className();
    }

    /** The config values a name fixes, e.g. "DPM++ 2M Karras" -> use_karras_sigmas=true. */
    public static Map<String, String> fixedValues(String name) {
        return Collections.unmodifiableMap(new TreeMap<>(entry(name).fixed()));
    }

    /**
     * A new scheduler for one request. {@code name} null selects the config's {@code _class_name}, else
     * {@link #DEFAULT}.
     */
    public static Scheduler create(String name, SchedulerConfig config, int steps) {
        if (config == null) {
            config = SchedulerConfig.empty();
        }
        String chosen = name != null ? name : config.className().orElse(DEFAULT);
        Entry entry = entry(chosen);
        for (Map.Entry<String, String> fixed : entry.fixed().entrySet()) {
            config = config.with(fixed.getKey(), fixed.getValue(), "scheduler name '" + entry.name() + "'");
        }
        return entry.factory().create(config, steps);
    }

    private static Entry entry(String name) {
        Entry entry = name == null ? null : ENTRIES.get(name.trim().toLowerCase(Locale.ROOT));
        if (entry == null) {
            throw new SchedulerException(
                    "unknown scheduler '" + name + "'; known schedulers: " + String.join(", ", names()));
        }
        return entry;
    }
}
