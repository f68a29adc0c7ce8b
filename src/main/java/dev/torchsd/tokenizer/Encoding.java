package dev.torchsd.tokenizer;

/**
 * A prompt's ids at CLIP's fixed length: {@code <|startoftext|>}, the tokens, {@code <|endoftext|>},
 * then the pad id up to {@link ClipTokenizer#maxLength()}.
 *
 * @param ids       exactly {@code maxLength()} ids
 * @param truncated how many of the prompt's tokens did not fit and were dropped (0 when all fit); the
 *                  end-of-text id is always kept as the last id before padding
 */
public record Encoding(int[] ids, int truncated) {}
