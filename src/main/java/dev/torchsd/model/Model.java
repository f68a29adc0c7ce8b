package dev.torchsd.model;

import dev.torchsd.tokenizer.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A loaded model folder: manifest, tokenizer and the three networks on one device.
 * Load once, use for many generations (from any thread), close to free the native memory.
 */
public final class Model implements AutoCloseable {
    private final Path folder;
    private final Manifest manifest;
    private final Device device;
    private final ClipTokenizer tokenizer;
    private final TextEncoder textEncoder;
    private final UNet unet;
    private final VaeDecoder vaeDecoder;

    private Model(Path folder, Manifest manifest, Device device, ClipTokenizer tokenizer, TextEncoder textEncoder,
                  UNet unet, VaeDecoder vaeDecoder) {
        this.folder = folder;
        this.manifest = manifest;
        this.device = device;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vaeDecoder = vaeDecoder;
    }

    /** Loads the built-in model on the CPU. */
    public static Model loadBuiltin() {
        return load(BuiltinModel.folder(), Device.CPU);
    }

    public static Model load(Path folder, Device device) {
        if (!Files.isDirectory(folder)) {
            throw new ModelException("model folder not found: " + folder);
        }
        device.checkAvailable();
        Manifest manifest = Manifest.read(folder);
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(folder.resolve(manifest.tokenizer()),
                manifest.textEncoder().padTokenId());
        if (tokenizer.vocabularySize() != manifest.textEncoder().vocabSize()) {
            throw new ModelException(folder.resolve(manifest.tokenizer()) + ": the tokenizer has "
                    + tokenizer.vocabularySize() + " tokens, the manifest's text_encoder.vocab_size is "
                    + manifest.textEncoder().vocabSize());
        }
        JitOptimization optimization = JitOptimization.fromSystemProperty();
        boolean channelsLast = ChannelsLast.enabled();
        TextEncoder text = null;
        UNet unet = null;
        try {
            text = new TextEncoder(TorchScriptModule.load(folder.resolve(manifest.textEncoder().file()), device),
                    manifest.textEncoder());
            unet = new UNet(TorchScriptModule.load(folder.resolve(manifest.unet().file()), device,
                    optimization, channelsLast), manifest.unet());
            VaeDecoder vae = new VaeDecoder(TorchScriptModule.load(folder.resolve(manifest.vae().decoder()), device,
                    optimization, channelsLast),
                    manifest.vae());
            return new Model(folder, manifest, device, tokenizer, text, unet, vae);
        } catch (RuntimeException e) {
            if (unet != null) {
                unet.close();
            }
            if (text != null) {
                text.close();
            }
            throw e;
        }
    }

    public Path folder() {
        return folder;
    }

    public Manifest manifest() {
        return manifest;
    }

    public Device device() {
        return device;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public TextEncoder textEncoder() {
        return textEncoder;
    }

    public UNet unet() {
        return unet;
    }

    public VaeDecoder vaeDecoder() {
        return vaeDecoder;
    }

    @Override
    public void close() {
        vaeDecoder.close();
        unet.close();
        textEncoder.close();
    }
}
