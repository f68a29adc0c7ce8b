package dev.torchsd.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this torchsd build. It is written in one place, the POM; the build copies it into
 * {@code dev/torchsd/runtime/version.properties}, which this class reads. {@code torchsd --version} prints
 * {@link #withName()} and the PNG infotext's {@code Version} field holds it.
 */
public final class Version {
    private static final String RESOURCE = "version.properties";
    private static String number; // read on first use

    private Version() {}

    /**
     * The version number as in the POM.
     *
     * @return e.g. {@code 0.1.0} or {@code 0.1.0-SNAPSHOT}
     * @throws IllegalStateException if the build did not fill in {@code version.properties}
     */
    public static synchronized String number() {
        if (number == null) {
            number = read();
        }
        return number;
    }

    /**
     * The name and the version number, as {@code torchsd --version} prints them.
     *
     * @return e.g. {@code torchsd 0.1.0}
     * @throws IllegalStateException if the build did not fill in {@code version.properties}
     */
    public static String withName() {
        return "torchsd " + number();
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource dev/torchsd/" + RESOURCE + " is missing");
            }
            Properties properties = new Properties();
            properties.load(in);
            String value = properties.getProperty("version", "");
            if (value.isEmpty() || value.contains("${")) {
                throw new IllegalStateException("resource dev/torchsd/" + RESOURCE
                        + ": expected the version filled in by the Maven build, found '" + value + "'");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("resource dev/torchsd/" + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
