package dev.torchsd.model;

import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
    private final TextualInversions textualInversions;

    private Model(Path folder, Manifest manifest, Device device, ClipTokenizer tokenizer, TextEncoder textEncoder,
                  UNet unet, VaeDecoder vaeDecoder) {
        this.folder = folder;
        this.manifest = manifest;
        this.device = device;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vaeDecoder = vaeDecoder;
        this.textualInversions = new TextualInversions(tokenizer, textEncoder);
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
        WeightsDtype stored = manifest.weightsDtype();
        TextEncoder text = null;
        UNet unet = null;
        try {
            text = new TextEncoder(TorchScriptModule.load(folder.resolve(manifest.textEncoder().file()), device,
                    stored), manifest.textEncoder());
            unet = new UNet(TorchScriptModule.load(folder.resolve(manifest.unet().file()), device, stored,
                    optimization, channelsLast), manifest.unet());
            VaeDecoder vae = new VaeDecoder(TorchScriptModule.load(folder.resolve(manifest.vae().decoder()), device,
                    stored, optimization, channelsLast),
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

    /**
     * Loads a textual-inversion embedding (.safetensors, .pt, .bin; see docs/embeddings.md) under its
     * default token: the file name without extension, or a diffusers file's own token.
     */
    public LoadedEmbedding loadTextualInversion(Path file) {
        return textualInversions.load(file, null);
    }

    /**
     * Loads a textual-inversion embedding under {@code token}: an n-vector embedding adds the tokens
     * {@code token, token_1, …, token_{n-1}} and n rows to the token-embedding table, and every
     * {@code token} in a prompt (positive or negative) stands for all of them. A failed load
     * (bad file, wrong hidden size, token taken) throws and leaves the model unchanged.
     */
    public LoadedEmbedding loadTextualInversion(Path file, String token) {
        return textualInversions.load(file, token);
    }

    /** The textual-inversion embeddings loaded so far, in order. */
    public List<LoadedEmbedding> textualInversions() {
        return textualInversions.loaded();
    }

    /** Tokens the model knows: its vocabulary plus the tokens of loaded embeddings (49408 → 49424 after a 16-vector one on SD 1.x). */
    public int vocabularySize() {
        return tokenizer.vocabularySize();
    }

    /**
     * Runs {@code work} while no textual-inversion embedding can be loaded: tokenizing and reading
     * {@link #textualInversions()} inside it see one consistent state.
     */
    public <T> T withEmbeddingsFixed(java.util.function.Supplier<T> work) {
        return textualInversions.withEmbeddingsFixed(work);
    }

    /** A prompt as the text encoder gets it: tokenized, embeddings' tokens expanded, truncated or padded to 77 ids. */
    public Encoding encodePrompt(String text) {
        return textualInversions.encodePrompt(text);
    }

    @Override
    public void close() {
        vaeDecoder.close();
        unet.close();
        textEncoder.close();
    }
}
