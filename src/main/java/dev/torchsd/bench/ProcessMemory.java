package dev.torchsd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * The process's memory as the kernel and JavaCPP see it: resident set now and at its peak
 * ({@code VmRSS}, {@code VmHWM} of /proc/self/status, Linux only; -1 elsewhere) and how many
 * native objects (tensors, vectors, IValues) JavaCPP still has to free ({@link Pointer#totalCount()}):
 * a count that grows from one generation to the next is a leak even when the bytes hide in the RSS.
 */
public record ProcessMemory(long residentBytes, long peakResidentBytes, long javacppPointers) {

    public static ProcessMemory now() {
        long rss = -1;
        long hwm = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kilobytes(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kilobytes(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no resident-set figures
        }
        return new ProcessMemory(rss, hwm, Pointer.totalCount());
    }

    private static long kilobytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", "")) * 1024;
    }
}
