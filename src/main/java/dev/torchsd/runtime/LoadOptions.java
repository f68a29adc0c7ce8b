package dev.torchsd.runtime;

import java.util.Objects;

/**
 * How a model is loaded: the device it runs on and the load-time transformations of its networks.
 * A value: {@code LoadOptions.DEFAULT.withDevice(Device.parse("cuda:0"))}.
 *
 * @param device       where the networks and tensors live
 * @param jit          TorchScript passes applied to the U-Net and VAE at load
 * @param channelsLast whether the U-Net and VAE weights and inputs use the channels-last memory layout
 * @param precision    what the U-Net computes in, and the VAE unless it is float16 (the text encoder computes in float32)
 */
public record LoadOptions(Device device, JitMode jit, boolean channelsLast, Precision precision) {
    /** The system property the CLI reads {@link #jit} from (none, freeze, optimize). */
    public static final String JIT_PROPERTY = "torchsd.jit";
    /** The system property the CLI reads {@link #channelsLast} from (true, false). */
    public static final String CHANNELS_LAST_PROPERTY = "torchsd.channels_last";
    /** The system property the CLI reads {@link #precision} from (fp32, fp16, bf16). */
    public static final String PRECISION_PROPERTY = "torchsd.precision";

    /** On the CPU, networks as exported, in float32. */
    public static final LoadOptions DEFAULT = new LoadOptions(Device.CPU, JitMode.NONE, false, Precision.FP32);

    /**
     * Checks the values.
     *
     * @param device       where the networks and tensors live
     * @param jit          TorchScript passes applied to the U-Net and VAE at load
     * @param channelsLast whether the U-Net and VAE use the channels-last memory layout
     * @param precision    what the U-Net computes in
     * @throws NullPointerException if {@code device}, {@code jit} or {@code precision} is null
     */
    public LoadOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(jit, "jit");
        Objects.requireNonNull(precision, "precision");
    }

    /**
     * Options computing in float32.
     *
     * @param device       where the networks and tensors live
     * @param jit          TorchScript passes applied to the U-Net and VAE at load
     * @param channelsLast whether the U-Net and VAE use the channels-last memory layout
     * @throws NullPointerException if {@code device} or {@code jit} is null
     */
    public LoadOptions(Device device, JitMode jit, boolean channelsLast) {
        this(device, jit, channelsLast, Precision.FP32);
    }

    /**
     * These options on another device.
     *
     * @param d where the networks and tensors live
     * @return a new value; this one is unchanged
     */
    public LoadOptions withDevice(Device d) {
        return new LoadOptions(d, jit, channelsLast, precision);
    }

    /**
     * These options with other TorchScript passes.
     *
     * @param mode what is done to the U-Net and VAE at load
     * @return a new value; this one is unchanged
     */
    public LoadOptions withJit(JitMode mode) {
        return new LoadOptions(device, mode, channelsLast, precision);
    }

    /**
     * These options with or without the channels-last memory layout.
     *
     * @param enabled whether the U-Net and VAE use channels-last
     * @return a new value; this one is unchanged
     */
    public LoadOptions withChannelsLast(boolean enabled) {
        return new LoadOptions(device, jit, enabled, precision);
    }

    /**
     * These options with the U-Net (and the VAE, unless float16) computing in another precision.
     *
     * @param p what the U-Net computes in, and the VAE unless it is float16
     * @return a new value; this one is unchanged
     */
    public LoadOptions withPrecision(Precision p) {
        return new LoadOptions(device, jit, channelsLast, p);
    }

    /**
     * The defaults with {@code -Dtorchsd.jit}, {@code -Dtorchsd.channels_last} and {@code -Dtorchsd.precision} applied where set: what the
     * command line uses. Library callers pass their options as a value instead.
     *
     * @return the options
     * @throws DeviceException naming the property if its value is not one it accepts
     */
    public static LoadOptions fromSystemProperties() {
        LoadOptions options = DEFAULT;
        String jit = System.getProperty(JIT_PROPERTY);
        if (jit != null && !jit.isBlank()) {
            options = options.withJit(JitMode.parse(jit, "system property " + JIT_PROPERTY));
        }
        String precision = System.getProperty(PRECISION_PROPERTY);
        if (precision != null && !precision.isBlank()) {
            options = options.withPrecision(Precision.parse(precision, "system property " + PRECISION_PROPERTY));
        }
        String channelsLast = System.getProperty(CHANNELS_LAST_PROPERTY);
        if (channelsLast != null && !channelsLast.isBlank()) {
            switch (channelsLast.strip()) {
                case "true" -> options = options.withChannelsLast(true);
                case "false" -> options = options.withChannelsLast(false);
                default ->
                    throw new DeviceException("system property " + CHANNELS_LAST_PROPERTY + "=" + channelsLast
                            + ": expected true or false");
            }
        }
        return options;
    }
}
