package dev.torchsd.lora;

import dev.torchsd.embedding.EmbeddingException;
import dev.torchsd.embedding.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AUTOMATIC1111's short hash of a LoRA file, as its infotext's {@code Lora hashes} shows it: the first
 * 12 hex digits of the metadata's {@code sshs_model_hash} when a safetensors file has one, else of the
 * SHA-256 of the tensor data after the header (sd-scripts' "addnet" hash) for safetensors, of the
 * whole file otherwise. Hashes are remembered per file, size and modification time.
 */
public final class LoraHash {
    private static final int REMEMBERED = 256;
    private static final Map<String, String> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    };

    private LoraHash() {}

    public static String shortHash(NetworkUse use) {
        String key = use.file() + "|" + use.size() + "|" + use.modified();
        synchronized (CACHE) {
            String known = CACHE.get(key);
            if (known != null) {
                return known;
            }
        }
        String hash = compute(use.file()).substring(0, 12);
        synchronized (CACHE) {
            CACHE.put(key, hash);
        }
        return hash;
    }

    private static String compute(Path file) {
        try {
            boolean safetensors = SafetensorsFile.looksLikeSafetensors(SafetensorsFile.firstBytes(file, 16));
            if (safetensors) {
                String stored = SafetensorsFile.open(file).metadata().get("sshs_model_hash");
                if (stored != null && stored.length() >= 12) {
                    return stored;
                }
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                if (safetensors) {
                    long header = ByteBuffer.wrap(in.readNBytes(8))
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getLong();
                    in.skipNBytes(header);
                }
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (EmbeddingException e) {
            throw new LoraException(e.getMessage(), e);
        } catch (IOException e) {
            throw new LoraException(file + ": cannot read for its hash: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
