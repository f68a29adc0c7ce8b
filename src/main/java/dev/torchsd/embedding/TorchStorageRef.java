package dev.torchsd.embedding;

/**
 * A torch storage named by a pickle's persistent id {@code ('storage', torch.FloatStorage, key,
 * location, numel)}: its bytes live outside the pickle, in the archive entry {@code data/<key>}.
 *
 * @param dtype        element type, from the storage class
 * @param key          the archive entry name under {@code data/}
 * @param location     where torch kept it ({@code cpu}, {@code cuda:0}); informational
 * @param elementCount number of elements the storage holds
 */
public record TorchStorageRef(DType dtype, String key, String location, long elementCount) {}
