package dev.torchsd.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's BPE tokenizer, giving the ids OpenAI's reference and Hugging Face's {@code CLIPTokenizer} (the one
 * diffusers uses) give: {@link ClipTextCleaner clean} the text, {@link ClipPreTokenizer split} it into words,
 * encode each word with {@link BytePairEncoder BPE}; plus added tokens for textual inversion.
 *
 * <p>Thread-safe: the vocabulary is immutable, the word cache is concurrent, and {@link #addTokens} swaps
 * the added-token set atomically.
 */
public final class ClipTokenizer {
    /** CLIP's context length: every text-encoder input has this many ids. */
    public static final int MAX_LENGTH = 77;
    /** Words longer than this (in chars) are not cached: they are rare and would fill the cache. */
    private static final int MAX_CACHED_WORD = 64;
    /** The cache is emptied when it reaches this many words, which bounds its memory for any input. */
    private static final int MAX_CACHED_WORDS = 100_000;

    private final String[] tokensById;
    private final Map<String, Integer> idsByToken;
    private final BytePairEncoder encoder;
    private final int baseSize;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();
    private volatile AddedTokens added = AddedTokens.NONE;

    /**
     * @param padId    the pad id, or -1 to take {@code padToken}'s id
     * @param padToken the pad token when {@code padId} is -1; null for {@code <|endoftext|>}
     */
    private ClipTokenizer(Vocabulary vocabulary, int padId, String padToken) {
        this.idsByToken = Collections.unmodifiableMap(vocabulary.idsByToken());
        int maxId = -1;
        for (int id : idsByToken.values()) {
            maxId = Math.max(maxId, id);
        }
        if (maxId >= 2 * idsByToken.size() + 1024) {
            // Ids run from 0 to size - 1 in every real vocabulary; a wild id would size the id table.
            throw new TokenizerException(vocabulary.vocabSource() + ": id " + maxId + " is far beyond the "
                    + idsByToken.size() + " tokens (expected ids from 0 to " + (idsByToken.size() - 1) + ")");
        }
        this.baseSize = maxId + 1;
        this.tokensById = new String[baseSize];
        for (Map.Entry<String, Integer> entry : idsByToken.entrySet()) {
            String other = tokensById[entry.getValue()];
            if (other != null) {
                throw new TokenizerException(vocabulary.vocabSource() + ": id " + entry.getValue()
                        + " is given to two tokens, \"" + other + "\" and \"" + entry.getKey() + "\"");
            }
            tokensById[entry.getValue()] = entry.getKey();
        }
        this.bosId = requiredId(vocabulary, ClipPreTokenizer.START_OF_TEXT, "start-of-text");
        this.eosId = requiredId(vocabulary, ClipPreTokenizer.END_OF_TEXT, "end-of-text");
        if (padId == -1) {
            Integer declared = padToken == null ? Integer.valueOf(eosId) : idsByToken.get(padToken);
            if (declared == null) {
                throw new TokenizerException(vocabulary.vocabSource() + ": has no \"" + padToken
                        + "\", the pad token the tokenizer's config names");
            }
            padId = declared;
        }
        if (padId < 0 || padId >= baseSize) {
            throw new TokenizerException("pad id " + padId + " is outside the vocabulary (0.." + (baseSize - 1) + ")");
        }
        this.padId = padId;
        this.encoder = new BytePairEncoder(mergeTable(vocabulary), byteIds(""), byteIds("</w>"), eosId);
    }

    /**
     * Reads Hugging Face's layout: {@code dir/vocab.json} and {@code dir/merges.txt} (a model keeps them in
     * {@code <model>/tokenizer/}).
     *
     * @param padId the id that fills prompts up to 77: 49407 ({@code <|endoftext|>}) for SD 1.x, 0
     *              ({@code !}) for SD 2.x
     */
    public static ClipTokenizer fromFolder(Path dir, int padId) {
        requireValidPadId(padId);
        return new ClipTokenizer(VocabularyFiles.readHuggingFaceFolder(dir), padId, null);
    }

    /** Reads OpenAI's {@code bpe_simple_vocab_16e6.txt.gz}. */
    public static ClipTokenizer fromOpenAiBpe(Path gz, int padId) {
        requireValidPadId(padId);
        return new ClipTokenizer(VocabularyFiles.readOpenAiBpe(gz), padId, null);
    }

    /**
     * {@link #load(Path, int)} padding as the vocabulary says: a folder's {@code tokenizer_config.json}
     * (or {@code special_tokens_map.json}) {@code pad_token} — {@code !} in SD 2.x — else
     * {@code <|endoftext|>}, SD 1.x's pad and the only choice for OpenAI's .txt.gz.
     */
    public static ClipTokenizer load(Path vocabPath) {
        if (Files.isDirectory(vocabPath)) {
            return new ClipTokenizer(
                    VocabularyFiles.readHuggingFaceFolder(vocabPath),
                    -1,
                    TokenizerConfig.padToken(vocabPath).orElse(null));
        }
        requireFile(vocabPath);
        return new ClipTokenizer(VocabularyFiles.readOpenAiBpe(vocabPath), -1, null);
    }

    /** {@link #fromFolder} for a folder, {@link #fromOpenAiBpe} for a file. */
    public static ClipTokenizer load(Path vocabPath, int padId) {
        if (Files.isDirectory(vocabPath)) {
            return fromFolder(vocabPath, padId);
        }
        requireFile(vocabPath);
        return fromOpenAiBpe(vocabPath, padId);
    }

    private static void requireFile(Path vocabPath) {
        if (!Files.isRegularFile(vocabPath)) {
            throw new TokenizerException("vocabulary not found: " + vocabPath
                    + " (expected a folder with vocab.json and merges.txt, or a bpe_simple_vocab_16e6.txt.gz file)");
        }
    }

    private static void requireValidPadId(int padId) {
        if (padId < 0) {
            throw new TokenizerException("pad id " + padId + " is negative (expected a vocabulary id)");
        }
    }

    /** The ids of {@code text}: start-of-text, the tokens, end-of-text; neither padded nor truncated. */
    public int[] encode(String text) {
        IdList ids = new IdList(16 + text.length() / 3);
        ids.add(bosId);
        AddedTokens addedNow = added;
        if (addedNow.isEmpty()) {
            encodeText(text, ids);
        } else {
            for (AddedTokens.Piece piece : addedNow.split(text)) {
                if (piece.isAddedToken()) {
                    ids.add(piece.id());
                } else {
                    encodeText(piece.text(), ids);
                }
            }
        }
        ids.add(eosId);
        return ids.toArray();
    }

    /**
     * {@code text} at {@link #maxLength()} ids: truncated when too long, keeping end-of-text as the last
     * id, and padded with {@link #padId()}; {@link Encoding#truncated()} tells how many tokens were lost.
     */
    public Encoding encodePadded(String text) {
        return pad(encode(text));
    }

    /**
     * Ids as {@link #encode} gives them (perhaps changed since, e.g. by textual-inversion expansion)
     * at {@link #maxLength()}: truncated keeping end-of-text last, or padded with {@link #padId()}.
     */
    public Encoding pad(int[] full) {
        int[] ids = new int[MAX_LENGTH];
        Arrays.fill(ids, padId);
        int truncated = Math.max(0, full.length - MAX_LENGTH);
        System.arraycopy(full, 0, ids, 0, Math.min(full.length, MAX_LENGTH));
        if (truncated > 0) {
            ids[MAX_LENGTH - 1] = eosId;
        }
        return new Encoding(ids, truncated);
    }

    /**
     * Adds tokens after the current vocabulary and returns their ids, in order. Fails, adding none, when
     * a token is empty, already in the vocabulary or given twice.
     */
    public synchronized int[] addTokens(List<String> tokens) {
        AddedTokens current = added;
        Set<String> seen = new HashSet<>();
        for (String token : tokens) {
            if (token == null || token.isEmpty()) {
                throw new TokenizerException("cannot add an empty token");
            }
            Integer base = idsByToken.get(token);
            int existing = base != null ? base : current.id(token);
            if (existing >= 0) {
                throw new TokenizerException("token \"" + token + "\" already exists in the vocabulary (id " + existing
                        + "); choose another token for the embedding");
            }
            if (!seen.add(token)) {
                throw new TokenizerException("token \"" + token + "\" is given twice in one call");
            }
        }
        int first = vocabularySize();
        added = current.with(tokens, first);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = first + i;
        }
        return ids;
    }

    /** Base vocabulary plus added tokens: ids run from 0 to this minus one. */
    public int vocabularySize() {
        return baseSize + added.size();
    }

    /** The token text of each id, in the byte-level form ({@code a</w>}, {@code ðŁĺĬ</w>}). */
    public List<String> idsToTokens(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            tokens.add(token(id));
        }
        return tokens;
    }

    /** The id of each token text; fails on a token not in the vocabulary. */
    public int[] tokensToIds(List<String> tokens) {
        int[] ids = new int[tokens.size()];
        AddedTokens addedNow = added;
        for (int i = 0; i < ids.length; i++) {
            String token = tokens.get(i);
            Integer base = idsByToken.get(token);
            int id = base != null ? base : addedNow.id(token);
            if (id < 0) {
                throw new TokenizerException("token \"" + token + "\" is not in the vocabulary");
            }
            ids[i] = id;
        }
        return ids;
    }

    /**
     * The text of {@code ids} as CLIP decodes it: the byte-level tokens back to UTF-8 (invalid bytes
     * become U+FFFD), each end-of-word mark a space, an added token as written followed by a space,
     * special tokens kept as text ({@code <|startoftext|>a photo <|endoftext|>}); the result is stripped.
     */
    public String decode(int[] ids) {
        AddedTokens addedNow = added;
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            String addedToken = addedNow.token(id);
            if (addedToken != null) {
                flush(bytes, text);
                text.append(addedToken).append(' ');
                continue;
            }
            String token = token(id);
            boolean endOfWord = token.endsWith("</w>");
            String symbols = endOfWord ? token.substring(0, token.length() - 4) : token;
            for (int i = 0; i < symbols.length(); i++) {
                int b = ByteAlphabet.byteOf(symbols.charAt(i));
                if (b >= 0) {
                    bytes.write(b);
                } else {
                    bytes.writeBytes(String.valueOf(symbols.charAt(i)).getBytes(StandardCharsets.UTF_8));
                }
            }
            if (endOfWord) {
                bytes.write(' ');
            }
        }
        flush(bytes, text);
        return text.toString().strip();
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    /** CLIP's context length, 77. */
    public int maxLength() {
        return MAX_LENGTH;
    }

    private void encodeText(String text, IdList ids) {
        List<String> words = new ArrayList<>();
        ClipPreTokenizer.split(ClipTextCleaner.clean(text), words);
        for (String word : words) {
            if (word.equals(ClipPreTokenizer.START_OF_TEXT)) {
                ids.add(bosId);
            } else if (word.equals(ClipPreTokenizer.END_OF_TEXT)) {
                ids.add(eosId);
            } else {
                ids.addAll(encodeWord(word));
            }
        }
    }

    private int[] encodeWord(String word) {
        int[] cached = wordCache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = encoder.encode(word);
        if (word.length() <= MAX_CACHED_WORD) {
            if (wordCache.size() >= MAX_CACHED_WORDS) {
                wordCache.clear();
            }
            wordCache.put(word, ids);
        }
        return ids;
    }

    private String token(int id) {
        if (id >= 0 && id < baseSize && tokensById[id] != null) {
            return tokensById[id];
        }
        String addedToken = added.token(id);
        if (addedToken == null) {
            throw new TokenizerException(
                    "id " + id + " is not in the vocabulary (ids 0.." + (vocabularySize() - 1) + ")");
        }
        return addedToken;
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder text) {
        text.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
        bytes.reset();
    }

    private int requiredId(Vocabulary vocabulary, String token, String role) {
        Integer id = idsByToken.get(token);
        if (id == null) {
            throw new TokenizerException(
                    vocabulary.vocabSource() + ": has no \"" + token + "\" token (CLIP's " + role + " token)");
        }
        return id;
    }

    /** The id of each byte's symbol followed by {@code suffix}, -1 where the vocabulary lacks it. */
    private int[] byteIds(String suffix) {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = idsByToken.get(ByteAlphabet.charOf(b) + suffix);
            ids[b] = id == null ? -1 : id;
        }
        return ids;
    }

    private MergeTable mergeTable(Vocabulary vocabulary) {
        List<Vocabulary.Merge> merges = vocabulary.merges();
        MergeTable table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            Vocabulary.Merge merge = merges.get(rank);
            int left = mergeTokenId(vocabulary, merge, merge.left());
            int right = mergeTokenId(vocabulary, merge, merge.right());
            int merged = mergeTokenId(vocabulary, merge, merge.left() + merge.right());
            table.put(left, right, rank, merged);
        }
        return table;
    }

    private int mergeTokenId(Vocabulary vocabulary, Vocabulary.Merge merge, String token) {
        Integer id = idsByToken.get(token);
        if (id == null) {
            throw new TokenizerException(vocabulary.mergesSource() + " line " + merge.line() + ": merge \""
                    + merge.left() + " " + merge.right() + "\" uses token \"" + token + "\", which "
                    + vocabulary.vocabSource() + " does not have");
        }
        return id;
    }

    /** A growable int array, to build id lists without boxing. */
    private static final class IdList {
        private int[] values;
        private int size;

        IdList(int capacity) {
            values = new int[capacity];
        }

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        void addAll(int[] more) {
            if (size + more.length > values.length) {
                values = Arrays.copyOf(values, Math.max(size * 2, size + more.length));
            }
            System.arraycopy(more, 0, values, size, more.length);
            size += more.length;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
