package dev.torchsd.model;

import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.embedding.TokenExpansion;
import dev.torchsd.lora.KeyMap;
import dev.torchsd.lora.LoraException;
import dev.torchsd.lora.MergedWeights;
import dev.torchsd.lora.NetworkUse;
import dev.torchsd.lora.Part;
import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.runtime.Precision;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A loaded model folder: manifest, tokenizer and the networks on one device.
 * Load once, use for many generations (from any thread), close to free the native memory.
 *
 * <p>Lifecycle: work on the networks runs inside a {@link Use} ({@link #use()}). {@link #close()}
 * refuses new uses, tells running ones to stop ({@link Use#closing()}: a generation stops at its
 * next step), waits until they have ended and only then frees the networks, so no module is ever
 * freed under a running forward. A use after close fails with an {@link IllegalStateException}
 * naming the model.
 */
public final class Model implements AutoCloseable {
    private enum State {
        OPEN,
        CLOSING,
        CLOSED
    }

    private final Path folder;
    private final Manifest manifest;
    private final LoadOptions options;
    private final ClipTokenizer tokenizer;
    private final List<TextEncoder> textEncoders;
    private final UNet unet;
    private final VaeDecoder vaeDecoder;
    private final TextualInversions textualInversions;
    private final Object lifecycle = new Object();
    private State state = State.OPEN;
    private int uses;
    private VaeEncoder vaeEncoder;
    private MergedWeights networks;
    private KeyMap keyMap;

    private Model(
            Path folder,
            Manifest manifest,
            LoadOptions options,
            ClipTokenizer tokenizer,
            List<TextEncoder> textEncoders,
            UNet unet,
            VaeDecoder vaeDecoder) {
        this.folder = folder;
        this.manifest = manifest;
        this.options = options;
        this.tokenizer = tokenizer;
        this.textEncoders = List.copyOf(textEncoders);
        this.unet = unet;
        this.vaeDecoder = vaeDecoder;
        this.textualInversions = new TextualInversions(tokenizer, this.textEncoders, manifest.isSdxl());
    }

    /** Loads the built-in model on the CPU. */
    public static Model loadBuiltin() {
        return load(BuiltinModel.folder(), LoadOptions.DEFAULT);
    }

    public static Model load(Path folder, LoadOptions options) {
        if (!Files.isDirectory(folder)) {
            throw new ModelException("model folder not found: " + folder);
        }
        options.device().checkAvailable();
        Manifest manifest = Manifest.read(folder);
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(
                folder.resolve(manifest.tokenizer()), manifest.textEncoder().padTokenId());
        if (tokenizer.vocabularySize() != manifest.textEncoder().vocabSize()) {
            throw new ModelException(folder.resolve(manifest.tokenizer()) + ": the tokenizer has "
                    + tokenizer.vocabularySize() + " tokens, the manifest's text_encoder.vocab_size is "
                    + manifest.textEncoder().vocabSize());
        }
        SecondTokenizer.check(folder, manifest);
        Device device = options.device();
        WeightsDtype stored = manifest.weightsDtype();
        List<TextEncoder> texts = new java.util.ArrayList<>();
        UNet unet = null;
        try {
            for (Manifest.TextEncoderSpec spec : manifest.textEncoders()) {
                texts.add(new TextEncoder(TorchScriptModule.load(folder.resolve(spec.file()), device, stored), spec));
            }
            unet = new UNet(
                    TorchScriptModule.load(
                            folder.resolve(manifest.unet().file()),
                            device,
                            stored,
                            options.jit(),
                            options.channelsLast(),
                            options.precision()),
                    manifest.unet());
            VaeDecoder vae = new VaeDecoder(
                    TorchScriptModule.load(
                            folder.resolve(manifest.vae().decoder()),
                            device,
                            stored,
                            options.jit(),
                            options.channelsLast(),
                            vaePrecision(options.precision())),
                    manifest.vae());
            return new Model(folder, manifest, options, tokenizer, texts, unet, vae);
        } catch (RuntimeException e) {
            if (unet != null) {
                unet.close();
            }
            texts.forEach(TextEncoder::close);
            throw e;
        }
    }

    /** One piece of work on the networks; closing it lets a waiting {@link Model#close()} go on. */
    public final class Use implements AutoCloseable {
        private boolean ended;

        private Use() {}

        /** Whether the model is being closed: long work should stop at its next safe point. */
        public boolean closing() {
            synchronized (lifecycle) {
                return state != State.OPEN;
            }
        }

        @Override
        public void close() {
            synchronized (lifecycle) {
                if (!ended) {
                    ended = true;
                    uses--;
                    lifecycle.notifyAll();
                }
            }
        }
    }

    /** Starts a piece of work on the networks; fails with IllegalStateException once the model is closed. */
    public Use use() {
        synchronized (lifecycle) {
            checkOpen();
            uses++;
            return new Use();
        }
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("model '" + manifest.name() + "' (" + folder + ") is closed");
        }
    }

    public Path folder() {
        return folder;
    }

    public Manifest manifest() {
        return manifest;
    }

    public Device device() {
        return options.device();
    }

    public LoadOptions options() {
        return options;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** The first text encoder (SD 1.x/2.x: the only one; SDXL: CLIP-L; the SDXL refiner: bigG). */
    public TextEncoder textEncoder() {
        return textEncoders.get(0);
    }

    /**
     * Text encoder {@code index} of {@link #textEncoders()} (SDXL: 0 = CLIP-L, 1 = bigG); an index the model does not
     * have fails with an IllegalArgumentException naming how many it has.
     */
    public TextEncoder textEncoder(int index) {
        if (index < 0 || index >= textEncoders.size()) {
            throw new IllegalArgumentException("text encoder " + index + " does not exist: model '" + manifest.name()
                    + "' has " + textEncoders.size() + " (0"
                    + (textEncoders.size() > 1 ? " to " + (textEncoders.size() - 1) : "") + ")");
        }
        return textEncoders.get(index);
    }

    /** Every text encoder, in the order their hidden states are concatenated (SDXL: CLIP-L, bigG). */
    public List<TextEncoder> textEncoders() {
        return textEncoders;
    }

    public UNet unet() {
        return unet;
    }

    public VaeDecoder vaeDecoder() {
        return vaeDecoder;
    }

    /** Channels of the latents: the VAE's (a 9-channel inpainting U-Net takes more, its latents have these). */
    public int latentChannels() {
        return manifest.vae().latentChannels();
    }

    /**
     * What the VAE computes in when the U-Net computes in {@code unet}: float16 is upcast to float32
     * (diffusers' {@code force_upcast}: SD 1.x/2.x and SDXL VAEs overflow in float16); bfloat16, which
     * has float32's range, is kept, as diffusers keeps it.
     */
    static Precision vaePrecision(Precision unet) {
        return unet == Precision.FP16 ? Precision.FP32 : unet;
    }

    /**
     * The VAE encoder, loaded on first use (it is needed only for image-to-image and inpainting).
     * Throws a ModelException when the folder has none.
     */
    public VaeEncoder vaeEncoder() {
        synchronized (lifecycle) {
            checkOpen();
            if (vaeEncoder == null) {
                Path file = folder.resolve(manifest.vae().encoder());
                if (!Files.isRegularFile(file)) {
                    throw new ModelException(folder + ": this model has no VAE encoder ("
                            + manifest.vae().encoder() + " not found); image-to-image and inpainting need it");
                }
                TorchScriptModule module = TorchScriptModule.load(
                        file,
                        options.device(),
                        manifest.weightsDtype(),
                        options.jit(),
                        options.channelsLast(),
                        vaePrecision(options.precision())); // as the decoder
                // loaded on first use, often inside a generation's PointerScope: kept past it, closed with the model
                Tensors.keep(module.jit());
                vaeEncoder = new VaeEncoder(module);
            }
            return vaeEncoder;
        }
    }

    /** Whether the folder has a VAE encoder file. */
    public boolean hasVaeEncoder() {
        return Files.isRegularFile(folder.resolve(manifest.vae().encoder()));
    }

    /** Loads a textual-inversion embedding under its default token; see {@link #loadTextualInversion(Path, String)}. */
    public LoadedEmbedding loadTextualInversion(Path file) {
        return loadTextualInversion(file, null);
    }

    /**
     * Loads a textual-inversion embedding (.safetensors, .pt, .bin; see docs/embeddings.md) under
     * {@code token}, or its default token when null (the file name without extension, or a diffusers
     * file's own token): an n-vector embedding adds the tokens {@code token, token_1, …, token_{n-1}}
     * and n rows to the token-embedding table, and every {@code token} in a prompt (positive or
     * negative) stands for all of them. A failed load (bad file, wrong hidden size, token taken) throws
     * and leaves the model unchanged.
     */
    public LoadedEmbedding loadTextualInversion(Path file, String token) {
        try (Use use = use()) {
            return textualInversions.load(file, token);
        }
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
    public <T> T withEmbeddingsFixed(Supplier<T> work) {
        return textualInversions.withEmbeddingsFixed(work);
    }

    /**
     * How the loaded embeddings' trigger ids expand in a prompt. Tokenize and read this inside one
     * {@link #withEmbeddingsFixed} so both see the same embeddings.
     */
    public TokenExpansion tokenExpansion() {
        return textualInversions.expansion();
    }

    /** A prompt as the text encoder gets it: tokenized, embeddings' tokens expanded, truncated or padded to 77 ids. */
    public Encoding encodePrompt(String text) {
        return textualInversions.encodePrompt(text);
    }

    /**
     * Runs {@code work} with exactly the LoRA {@code set} merged into the weights (the empty list: the
     * base model), waiting while generations on another set run; see {@link MergedWeights} for the
     * policy. Call inside a {@link Use}. A bad file or one that does not fit throws before any weight changes.
     */
    public <T> T withNetworks(List<NetworkUse> set, Consumer<String> warnings, Supplier<T> work) {
        if (options.jit() != JitMode.NONE && set.stream().anyMatch(use -> use.unetWeight() != 0)) {
            throw new LoraException("LoRA needs the U-Net's parameters, which jit mode " + options.jit()
                    + " turns into constants: load model '" + manifest.name() + "' with jit mode none");
        }
        return networks().with(set, warnings, work);
    }

    private MergedWeights networks() {
        synchronized (lifecycle) {
            checkOpen();
            if (networks == null) {
                Map<Part, Map<String, org.bytedeco.pytorch.Tensor>> parameters = new EnumMap<>(Part.class);
                parameters.put(
                        Part.UNET, ModuleTensors.namedParameters(unet.module().jit()));
                // SDXL: CLIP-L is lora_te1_ (the TEXT_ENCODER part), bigG lora_te2_; the refiner's bigG is its first
                List<Part> parts = manifest.family().equals(Manifest.SDXL_REFINER)
                        ? List.of(Part.TEXT_ENCODER_2)
                        : List.of(Part.TEXT_ENCODER, Part.TEXT_ENCODER_2);
                for (int k = 0; k < textEncoders.size(); k++) {
                    Map<String, org.bytedeco.pytorch.Tensor> text = ModuleTensors.namedParameters(
                            textEncoders.get(k).module().jit());
                    text.remove(manifest.textEncoders().get(k).tokenEmbedding())
                            .close(); // the token table is the text encoder's own
                    parameters.put(parts.get(k), text);
                }
                networks = new MergedWeights(parameters, this::keyMap, manifest.family());
            }
            return networks;
        }
    }

    /** How many parameters' originals are kept now (0 when no LoRA is merged): the memory LoRA costs. */
    public int keptOriginals() {
        synchronized (lifecycle) {
            return networks == null ? 0 : networks.keptOriginals();
        }
    }

    /** The bytes of the originals kept now (0 when no LoRA is merged). */
    public long keptOriginalBytes() {
        synchronized (lifecycle) {
            return networks == null ? 0 : networks.keptOriginalBytes();
        }
    }

    private synchronized KeyMap keyMap() {
        if (keyMap == null) {
            keyMap = KeyMap.read(folder);
        }
        return keyMap;
    }

    /**
     * Refuses new work, stops running generations at their next step, waits for them to end, then
     * frees the networks. Closing twice is harmless.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        synchronized (lifecycle) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSING;
            while (uses > 0) {
                try {
                    lifecycle.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // freeing under a running forward could crash the JVM: keep waiting
                }
            }
            state = State.CLOSED;
            if (vaeEncoder != null) {
                vaeEncoder.close();
            }
            if (networks != null) {
                networks.close();
            }
        }
        vaeDecoder.close();
        unet.close();
        textEncoders.forEach(TextEncoder::close);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
