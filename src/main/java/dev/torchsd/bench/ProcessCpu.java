package dev.torchsd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole process has used, split into user and kernel (system) time, from
 * /proc/self/stat (Linux only; zeros elsewhere). Kernel time is where page faults of freshly
 * allocated activations show; CPU seconds also stay meaningful when other jobs share the cores
 * and the wall clock does not.
 */
public record ProcessCpu(double userSeconds, double systemSeconds) {
    /** Linux's USER_HZ: /proc/self/stat counts in 1/100 s on every common kernel configuration. */
    private static final double TICKS_PER_SECOND = 100;

    public static ProcessCpu now() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the command name (which may hold spaces) start at state, field 3
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new ProcessCpu(Long.parseLong(f[11]) / TICKS_PER_SECOND, Long.parseLong(f[12]) / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return new ProcessCpu(0, 0);
        }
    }

    public ProcessCpu minus(ProcessCpu earlier) {
        return new ProcessCpu(userSeconds - earlier.userSeconds, systemSeconds - earlier.systemSeconds);
    }
}
