package dev.torchsd.runtime;

import dev.torchsd.tensor.LibTorch;
import org.bytedeco.pytorch.global.torch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the networks run: {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}. CUDA needs the
 * {@code gpu} Maven profile's libtorch build and an NVIDIA GPU; {@link #checkAvailable()} says
 * clearly when either is missing.
 */
public record Device(String type, int index) {
    private static final Pattern SPEC = Pattern.compile("(cpu)|(cuda)(?::(\\d{1,3}))?");

    public static final Device CPU = new Device("cpu", 0);

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

    public boolean isCuda() {
        return type.equals("cuda");
    }

    /** Throws a DeviceException naming the problem when this device cannot be used in this process. */
    public Device checkAvailable() {
        if (!isCuda()) {
            return this;
        }
        if (!cudaAvailable()) {
            throw new DeviceException("device " + this + " is not available: this libtorch has no CUDA support or no GPU"
                    + " was found (build with 'mvn -Pgpu package' on a machine with an NVIDIA GPU, or use --device cpu)");
        }
        int count = torch.cuda_device_count();
        if (index >= count) {
            throw new DeviceException("device " + this + " is not available: " + count + " CUDA device(s) found");
        }
        return this;
    }

    /** Whether this process's libtorch has CUDA and sees a GPU. */
    public static boolean cudaAvailable() {
        LibTorch.ensureLoaded();
        return torch.cuda_is_available();
    }

    /** The libtorch device. */
    public org.bytedeco.pytorch.Device toTorch() {
        LibTorch.ensureLoaded();
        return isCuda() ? new org.bytedeco.pytorch.Device(torch.DeviceType.CUDA, (byte) index)
                : new org.bytedeco.pytorch.Device(torch.DeviceType.CPU);
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + index : "cpu";
    }
}
