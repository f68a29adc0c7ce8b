package dev.torchsd.runtime;

import dev.torchsd.tensor.LibTorch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.global.torch;

/**
 * Where the networks run: {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}. CUDA needs the
 * {@code gpu} Maven profile's libtorch build and an NVIDIA GPU; {@link #checkAvailable()} says
 * clearly when either is missing.
 *
 * @param type  {@code "cpu"} or {@code "cuda"}
 * @param index the CUDA device's number, from 0 (0 for the CPU)
 */
public record Device(String type, int index) {
    private static final Pattern SPEC = Pattern.compile("(cpu)|(cuda)(?::(\\d{1,3}))?");

    /** The CPU (the default). */
    public static final Device CPU = new Device("cpu", 0);

    /**
     * Reads a device: {@code cpu}, {@code cuda} or {@code cuda:N}, in any case.
     *
     * @param spec the text, e.g. {@code "cuda:1"}
     * @return the device; whether it exists is checked by {@link #checkAvailable()}
     * @throws DeviceException naming the text if it is none of these forms
     */
    public static Device parse(String spec) {
        Matcher m = SPEC.matcher(spec == null ? "" : spec.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new DeviceException("unknown device '" + spec + "': expected cpu, cuda or cuda:N");
        }
        if (m.group(1) != null) {
            return CPU;
        }
        return new Device("cuda", m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /**
     * Whether this is a CUDA device.
     *
     * @return false for the CPU
     */
    public boolean isCuda() {
        return type.equals("cuda");
    }

    /**
     * Checks that this device can be used in this process (the CPU always can).
     *
     * @return this device
     * @throws DeviceException naming the problem when this libtorch has no CUDA, no GPU is found, or there
     *     is no device {@code index}
     */
    public Device checkAvailable() {
        if (!isCuda()) {
            return this;
        }
        if (!cudaAvailable()) {
            throw new DeviceException(
                    "device " + this + " is not available: this libtorch has no CUDA support or no GPU"
                            + " was found (build with 'mvn -Pgpu package' on a machine with an NVIDIA GPU, or use --device cpu)");
        }
        int count = torch.cuda_device_count();
        if (index >= count) {
            throw new DeviceException("device " + this + " is not available: " + count + " CUDA device(s) found");
        }
        return this;
    }

    /**
     * Whether this process's libtorch has CUDA and sees a GPU. Loads libtorch if it is not loaded yet.
     *
     * @return true when CUDA devices can be used
     */
    public static boolean cudaAvailable() {
        LibTorch.ensureLoaded();
        return torch.cuda_is_available();
    }

    /**
     * The libtorch device. Loads libtorch if it is not loaded yet.
     *
     * @return a new libtorch device value (a native object, freed with the caller's pointer scope)
     */
    public org.bytedeco.pytorch.Device toTorch() {
        LibTorch.ensureLoaded();
        return isCuda()
                ? new org.bytedeco.pytorch.Device(torch.DeviceType.CUDA, (byte) index)
                : new org.bytedeco.pytorch.Device(torch.DeviceType.CPU);
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + index : "cpu";
    }
}
