package dev.torchsd;

import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.generation.Pipeline;
import dev.torchsd.image.ImageConversion;
import dev.torchsd.lora.LoraFolder;
import dev.torchsd.model.BuiltinModel;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.model.NearestTokens;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * torchsd's front door: load a model once, generate many times, close.
 * <pre>
 * try (StableDiffusion sd = StableDiffusion.load(Path.of("models/my-model"))) {
 *     sd.generate(GenerationRequest.of("girl eating pizza").withSeed(42)).save(Path.of("pizza.png"));
 * }
 * </pre>
 * One instance may be used from several threads at once. {@link #close()} stops running
 * generations at their next step (they throw {@link dev.torchsd.pipeline.GenerationCancelledException}),
 * waits for them to end and frees the native memory; any use after it throws
 * {@link IllegalStateException}.
 */
public final class StableDiffusion implements AutoCloseable {
    private final Model model;
    private final Pipeline pipeline;

    private StableDiffusion(Model model) {
        this.model = model;
        this.pipeline = new Pipeline(model);
    }

    /**
     * The model that ships with torchsd, on the CPU.
     *
     * @return the loaded model; close it to free its native memory
     */
    public static StableDiffusion builtin() {
        return builtin(LoadOptions.DEFAULT);
    }

    /**
     * The model that ships with torchsd, loaded with {@code options}.
     *
     * @param options device, JIT mode, thread count and the other load-time choices
     * @return the loaded model; close it to free its native memory
     * @throws dev.torchsd.error.TorchsdException if the options cannot be honoured (e.g. the device is missing)
     */
    public static StableDiffusion builtin(LoadOptions options) {
        return load(BuiltinModel.folder(), options);
    }

    /**
     * A torchsd model folder (see docs/model-format.md), on the CPU.
     *
     * @param folder the folder holding {@code model.json} and the TorchScript files it names
     * @return the loaded model; close it to free its native memory
     * @throws dev.torchsd.error.TorchsdException naming the file and the problem if the folder is missing or
     *     a file in it is missing or not what {@code model.json} says
     */
    public static StableDiffusion load(Path folder) {
        return load(folder, LoadOptions.DEFAULT);
    }

    /**
     * A torchsd model folder, e.g. on a GPU: {@code LoadOptions.DEFAULT.withDevice(Device.parse("cuda:0"))}.
     *
     * @param folder the folder holding {@code model.json} and the TorchScript files it names
     * @param options device, JIT mode, thread count and the other load-time choices
     * @return the loaded model; close it to free its native memory
     * @throws dev.torchsd.error.TorchsdException naming the file and the problem if the folder or a file in it
     *     is missing or wrong, or if the options cannot be honoured
     */
    public static StableDiffusion load(Path folder, LoadOptions options) {
        return new StableDiffusion(Model.load(folder, options));
    }

    /**
     * Generates the request's images. Blocks until they are done.
     *
     * @param request what to generate; values it leaves unset take the model's defaults
     * @return the images, their final latents and the infotext
     * @throws dev.torchsd.pipeline.RequestException naming the field if the request does not fit this model
     * @throws dev.torchsd.pipeline.GenerationCancelledException if the model is closed meanwhile
     * @throws IllegalStateException if the model is already closed
     */
    public GenerationResult generate(GenerationRequest request) {
        return pipeline.generate(request, GenerationListener.NONE);
    }

    /**
     * Generates the request's images, telling {@code listener} about every step (it may cancel or change predictions).
     *
     * @param request what to generate; values it leaves unset take the model's defaults
     * @param listener called on the generating thread for every model prediction and every step
     * @return the images, their final latents and the infotext
     * @throws dev.torchsd.pipeline.RequestException naming the field if the request does not fit this model
     * @throws dev.torchsd.pipeline.GenerationCancelledException if the listener asked to stop or the model is
     *     closed meanwhile
     * @throws IllegalStateException if the model is already closed
     */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        return pipeline.generate(request, listener);
    }

    /**
     * The request with this model's defaults filled in (size, negative clip skip), checked against the
     * model's limits: a {@link dev.torchsd.pipeline.RequestException} names what is wrong, before any work.
     *
     * @param request the request as the caller built it
     * @return the request that {@link #generate(GenerationRequest)} would run, every value set
     * @throws dev.torchsd.pipeline.RequestException naming the field if the request does not fit this model
     * @throws IllegalStateException if the model is closed
     */
    public GenerationRequest resolve(GenerationRequest request) {
        try (Model.Use use = model.use()) {
            return pipeline.resolve(request);
        }
    }

    /**
     * Loads a textual-inversion embedding under its default token (the file name without extension, or the file's own).
     *
     * @param file a .safetensors, .pt or .bin embedding file
     * @return what was loaded: its tokens, ids and any warnings
     * @throws dev.torchsd.error.TorchsdException naming the file and the problem if it cannot be read, its
     *     vectors do not fit the text encoder, or the token is taken; the model is then unchanged
     */
    public Embedding loadTextualInversion(Path file) {
        return loadTextualInversion(file, null);
    }

    /**
     * Loads a textual-inversion embedding (.safetensors, .pt, .bin; docs/embeddings.md) under {@code token}:
     * an n-vector embedding adds the tokens {@code token, token_1, …, token_{n-1}}, and every {@code token}
     * in a prompt stands for all of them. A failed load throws and leaves the model unchanged.
     *
     * @param file a .safetensors, .pt or .bin embedding file
     * @param token the word prompts use for it; {@code null} for its default token
     * @return what was loaded: its tokens, ids and any warnings
     * @throws dev.torchsd.error.TorchsdException naming the file and the problem if it cannot be read, its
     *     vectors do not fit the text encoder, or the token is taken
     */
    public Embedding loadTextualInversion(Path file, String token) {
        return view(model.loadTextualInversion(file, token));
    }

    /**
     * The textual-inversion embeddings loaded so far, in order.
     *
     * @return an unmodifiable list, empty when none was loaded
     */
    public List<Embedding> textualInversions() {
        return model.textualInversions().stream().map(StableDiffusion::view).toList();
    }

    /**
     * The sampler names a request may give: diffusers' class names, then AUTOMATIC1111's ("Euler a", "DPM++ 2M
     * Karras", ...).
     *
     * @return the names, in that order
     */
    public static List<String> samplers() {
        return Schedulers.names();
    }

    /**
     * The LoRA files a folder holds (.safetensors, .pt, .ckpt, subfolders included), as the prompt's
     * {@code <lora:name:…>} tags and {@link GenerationRequest.Builder#loraFolder} look them up.
     *
     * @param folder a folder of LoRA files
     * @return the files, sorted; each is named by its file name without the extension
     * @throws dev.torchsd.error.TorchsdException when the folder is missing or cannot be listed
     */
    public static List<Path> loraFiles(Path folder) {
        return LoraFolder.files(folder);
    }

    /**
     * The LoRA file {@code <lora:name:…>} names in a folder: the file name without extension, exact
     * case first, then ignoring case.
     *
     * @param folder a folder of LoRA files
     * @param name   the name a tag gives
     * @return the file
     * @throws dev.torchsd.error.TorchsdException listing the folder's names when none matches
     */
    public static Path findLora(Path folder, String name) {
        return LoraFolder.find(folder, name);
    }

    /**
     * What the model is.
     *
     * @return its name, family, default size, latent and text-encoder sizes, scheduler, folder and
     *     whether it inpaints
     */
    public ModelInfo info() {
        Manifest m = model.manifest();
        String scheduler = SchedulerConfig.fromJson(m.scheduler(), "model.json scheduler")
                .className()
                .orElse("");
        return new ModelInfo(
                m.name(),
                m.family(),
                m.predictionType(),
                m.defaultWidth(),
                m.defaultHeight(),
                model.latentChannels(),
                m.vae().scaleFactor(),
                m.textEncoder().numLayers(),
                m.textEncoder().hiddenSize(),
                scheduler,
                model.folder(),
                m.unet().inChannels() != model.latentChannels());
    }

    /**
     * Tokens the model knows: its vocabulary plus those of loaded embeddings (49408 → 49424 after a 16-vector one on SD 1.x).
     *
     * @return the number of token ids
     */
    public int vocabularySize() {
        return model.vocabularySize();
    }

    /**
     * {@code text} as CLIP's tokenizer reads it: start-of-text, the text's tokens, end-of-text; no padding.
     *
     * @param text any text; not parsed as a prompt (no emphasis syntax), not truncated
     * @return its ids and their vocabulary entries
     */
    public PromptTokens tokenize(String text) {
        ClipTokenizer tokenizer = model.tokenizer();
        int[] ids = tokenizer.encode(text);
        return new PromptTokens(ids, tokenizer.idsToTokens(ids), 0);
    }

    /**
     * A plain prompt as the text encoder gets it: tokenized, embeddings' tokens expanded, truncated or padded to 77 ids.
     *
     * @param text a plain prompt (no AUTOMATIC1111 syntax)
     * @return the 77 ids, their vocabulary entries and how many tokens were cut off
     */
    public PromptTokens encodePrompt(String text) {
        Encoding encoding = model.encodePrompt(text);
        return new PromptTokens(encoding.ids(), model.tokenizer().idsToTokens(encoding.ids()), encoding.truncated());
    }

    /**
     * The vocabulary entries of {@code ids}.
     *
     * @param ids token ids, each below {@link #vocabularySize()}
     * @return one entry per id, in order (word ends carry {@code </w>})
     */
    public List<String> tokens(int[] ids) {
        return model.tokenizer().idsToTokens(ids);
    }

    /**
     * A copy of the vector token {@code id} is looked up as (one row of the text encoder's token-embedding table).
     *
     * @param id a token id, from 0 to {@link #vocabularySize()} - 1
     * @return {@link ModelInfo#hiddenSize()} floats
     * @throws IllegalArgumentException if {@code id} is outside the table
     * @throws IllegalStateException if the model is closed
     */
    public float[] tokenVector(int id) {
        return tokenVector(id, 0);
    }

    /**
     * A copy of the vector token {@code id} is looked up as in text encoder {@code encoder}: SDXL has two, 0 =
     * CLIP ViT-L (768 wide, what {@link #tokenVector(int)} reads) and 1 = OpenCLIP ViT-bigG (1280 wide); SD 1.x/2.x
     * and the SDXL refiner (bigG only) have one, 0. The tokenizer and the ids are the same for both.
     *
     * @param id      a token id, from 0 to {@link #vocabularySize()} - 1
     * @param encoder 0 or, on SDXL, 1
     * @return the encoder's hidden size in floats
     * @throws IllegalArgumentException if {@code id} is outside the table or the model has no such encoder
     * @throws IllegalStateException if the model is closed
     */
    public float[] tokenVector(int id, int encoder) {
        try (Model.Use use = model.use()) {
            return model.textEncoder(encoder).tokenVector(id);
        }
    }

    /**
     * Decodes latents as the sampler holds them (the VAE's scaling factor is divided out first) to
     * images, e.g. a listener's x0 prediction. {@code latents} is (batch, channels, h, w) and stays the caller's.
     *
     * @param latents (batch, {@link ModelInfo#latentChannels()}, h, w) on the model's device
     * @return one RGB image per batch entry, {@link ModelInfo#vaeScaleFactor()} times h by w pixels
     * @throws IllegalStateException if the model is closed
     */
    public List<BufferedImage> decodeLatents(Tensor latents) {
        try (Model.Use use = model.use();
                PointerScope scope = new PointerScope()) {
            return ImageConversion.toImages(model.vaeDecoder().decode(latents));
        }
    }

    /**
     * The {@code k} tokens of the model's own vocabulary (loaded embeddings' tokens left out) whose vectors are
     * most similar (cosine) to {@code vector} ({@link ModelInfo#hiddenSize()} wide), most similar first: what a
     * textual-inversion vector is close to.
     *
     * @param vector {@link ModelInfo#hiddenSize()} floats, e.g. from {@link #tokenVector(int)} or an embedding
     * @param k how many tokens to return
     * @return up to {@code k} tokens with their cosine similarity, most similar first
     * @throws dev.torchsd.error.TorchsdException if {@code vector} has the wrong width
     * @throws IllegalStateException if the model is closed
     */
    public List<TokenMatch> nearestTokens(float[] vector, int k) {
        return nearestTokens(vector, k, 0);
    }

    /**
     * As {@link #nearestTokens(float[], int)} in the token-embedding table of text encoder {@code encoder} (SDXL: 0 =
     * CLIP ViT-L, 1 = OpenCLIP ViT-bigG; see {@link #tokenVector(int, int)}): an SDXL embedding's {@code clip_g}
     * vectors are searched in encoder 1.
     *
     * @param vector  as wide as the encoder's hidden size, e.g. from {@link #tokenVector(int, int)}
     * @param k       how many tokens to return
     * @param encoder 0 or, on SDXL, 1
     * @return up to {@code k} tokens with their cosine similarity, most similar first
     * @throws dev.torchsd.error.TorchsdException if {@code vector} has the wrong width
     * @throws IllegalArgumentException if the model has no such encoder
     * @throws IllegalStateException if the model is closed
     */
    public List<TokenMatch> nearestTokens(float[] vector, int k, int encoder) {
        int vocabulary = model.manifest().textEncoder().vocabSize();
        try (Model.Use use = model.use();
                NearestTokens table = NearestTokens.of(model, encoder)) {
            int added = table.vocabularySize() - vocabulary;
            return table.nearest(new float[][] {vector}, k + added).get(0).stream()
                    .filter(n -> n.id() < vocabulary)
                    .limit(k)
                    .map(n -> new TokenMatch(n.id(), n.token(), n.cosine()))
                    .toList();
        }
    }

    /** The loaded model, for the project's own tests (package-private: not API). */
    Model model() {
        return model;
    }

    private static Embedding view(LoadedEmbedding e) {
        return new Embedding(
                e.source().file(), e.source().format().toString(), e.token(), e.tokens(), e.ids(), e.warnings());
    }

    /**
     * Stops running generations at their next step, waits for them to end, then frees the native
     * memory. Closing twice is harmless.
     */
    @Override
    public void close() {
        model.close();
    }
}
