package dev.torchsd.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The model that ships inside torchsd (trained and installed by {@code ./cppbuild.sh train}; docs/training.md). From a class folder
 * it is used in place; from a jar it is copied once to a cache folder named after its content
 * hash, because libtorch loads TorchScript from files.
 */
public final class BuiltinModel {
    static final String RESOURCE_ROOT = "/dev/torchsd/builtin/shapes/";
    static final List<String> FILES = List.of(
            "model.json",
            "text_encoder.pt",
            "unet.pt",
            "vae_decoder.pt",
            "vae_encoder.pt",
            "keymap.json",
            "tokenizer/vocab.json",
            "tokenizer/merges.txt");

    private BuiltinModel() {}

    /** The folder of the built-in model, extracting it first when torchsd runs from a jar. */
    public static synchronized Path folder() {
        URL manifest = BuiltinModel.class.getResource(RESOURCE_ROOT + Manifest.FILE_NAME);
        if (manifest == null) {
            throw new ModelException("the built-in model is missing from this build (run ./cppbuild.sh train)");
        }
        try {
            if (manifest.getProtocol().equals("file")) {
                return Path.of(manifest.toURI()).getParent();
            }
            return extract();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the built-in model", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path extract() throws IOException {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "torchsd", "builtin-" + contentHash());
        if (Files.isRegularFile(cache.resolve(Manifest.FILE_NAME))) {
            return cache;
        }
        Files.createDirectories(cache.getParent());
        Path staging = Files.createTempDirectory(cache.getParent(), "extracting-");
        for (String name : FILES) {
            Path target = staging.resolve(name);
            Files.createDirectories(target.getParent());
            try (InputStream in = open(name)) {
                Files.copy(in, target);
            }
        }
        try {
            Files.move(staging, cache, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            // another process extracted it first; its copy is identical
        }
        return cache;
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = BuiltinModel.class.getResourceAsStream(RESOURCE_ROOT + name);
        if (in == null) {
            throw new ModelException("the built-in model's " + name + " is missing from this build");
        }
        return in;
    }

    private static String contentHash() throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String name : FILES) {
                try (InputStream in = open(name)) {
                    sha.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
