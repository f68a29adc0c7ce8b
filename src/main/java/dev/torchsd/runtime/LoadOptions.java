package dev.torchsd.runtime;

import java.util.Objects;

/**
 * How a model is loaded: the device it runs on and the load-time transformations of its networks.
 * A value: {@code LoadOptions.DEFAULT.withDevice(Device.parse("cuda:0"))}.
 *
 * @param device       where the networks and tensors live
 * @param jit          TorchScript passes applied to the U-Net and VAE at load
 * @param channelsLast whether the U-Net and VAE weights and inputs use the channels-last memory layout
 */
public record LoadOptions(Device device, JitMode jit, boolean channelsLast) {
    /** The system property the CLI reads {@link #jit} from (none, freeze, optimize). */
    public static final String JIT_PROPERTY = "torchsd.jit";
    /** The system property the CLI reads {@link #channelsLast} from (true, false). */
    public static final String CHANNELS_LAST_PROPERTY = "torchsd.channels_last";

    /** On the CPU, networks as exported. */
    public static final LoadOptions DEFAULT = new LoadOptions(Device.CPU, JitMode.NONE, false);

    /**
     * Checks the values.
     *
     * @param device       where the networks and tensors live
     * @param jit          TorchScript passes applied to the U-Net and VAE at load
     * @param channelsLast whether the U-Net and VAE use the channels-last memory layout
     * @throws NullPointerException if {@code device} or {@code jit} is null
     */
    public LoadOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(jit, "jit");
    }

    /**
     * These options on another device.
     *
     * @param d where the networks and tensors live
     * @return a new value; this one is unchanged
     */
    public LoadOptions withDevice(Device d) {
        return new LoadOptions(d, jit, channelsLast);
    }

    /**
     * These options with other TorchScript passes.
     *
     * @param mode what is done to the U-Net and VAE at load
     * @return a new value; this one is unchanged
     */
    public LoadOptions withJit(JitMode mode) {
        return new LoadOptions(device, mode, channelsLast);
    }

    /**
     * These options with or without the channels-last memory layout.
     *
     * @param enabled whether the U-Net and VAE use channels-last
     * @return a new value; this one is unchanged
     */
    public LoadOptions withChannelsLast(boolean enabled) {
        return new LoadOptions(device, jit, enabled);
    }

    /**
     * The defaults with {@code -Dtorchsd.jit} and {@code -Dtorchsd.channels_last} applied where set: what the
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
