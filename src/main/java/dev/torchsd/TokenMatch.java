package dev.torchsd;

/**
 * A vocabulary token and how similar its vector is to the one asked about.
 *
 * @param id     the token's id
 * @param token  its vocabulary entry
 * @param cosine the cosine similarity of its vector to the vector asked about, in -1..1
 */
public record TokenMatch(int id, String token, double cosine) {}
