package dev.torchsd.generation;

import dev.torchsd.pipeline.VaeTiling;
import dev.torchsd.tensor.Tensors;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Decodes latents tile by tile ({@link VaeTiling}), as diffusers' tiled_decode: tiles start every
 * {@code tile - overlap} latent pixels; each is decoded on its own; where a tile overlaps the one
 * above and the one to its left, its first rows and then its first columns are blended linearly
 * with theirs (the weight moving from the earlier tile to this one); each tile then gives the
 * image the part up to where the next tile starts. Unlike diffusers, no tile starts inside the
 * previous tile's overlap with the edge (it would only repeat pixels the previous tile has).
 *
 * <p>Memory: one tile's decoder activations at a time. Each decoded tile is freed when its pixels
 * are in the image; only its overlap strips (the parts the next tiles blend with) and the image
 * stay until the decode ends.
 */
final class TiledVaeDecoding {
    private static final int HEIGHT = 2;
    private static final int WIDTH = 3;

    private TiledVaeDecoding() {}

    /**
     * The image of {@code latents} (batch, channels, h, w) decoded in tiles by {@code decoder}, which
     * maps latents to images {@code scaleFactor} times larger; owned by the caller's scope. An image
     * within one tile is {@code decoder.apply(latents)} itself.
     */
    static Tensor decode(Tensor latents, UnaryOperator<Tensor> decoder, VaeTiling tiling, int scaleFactor) {
        int tile = tiling.latentTile(scaleFactor);
        int stride = tile - tiling.latentOverlap(scaleFactor);
        int[] rows = starts((int) latents.size(HEIGHT), tile, stride);
        int[] cols = starts((int) latents.size(WIDTH), tile, stride);
        if (rows.length == 1 && cols.length == 1) {
            return decoder.apply(latents);
        }
        long height = latents.size(HEIGHT);
        long width = latents.size(WIDTH);
        int blend = tiling.overlap();
        return Tensors.scoped(() -> {
            PointerScope decodeScope = PointerScope.getInnerScope(); // the image and the overlap strips
            Tensor image = null;
            Tensor[] above = new Tensor[cols.length]; // each column's bottom strip from the row above
            for (int r = 0; r < rows.length; r++) {
                Tensor left = null; // the right strip of the tile to the left
                for (int c = 0; c < cols.length; c++) {
                    try (PointerScope tileScope = new PointerScope()) {
                        Tensor decoded = decoder.apply(latents.narrow(HEIGHT, rows[r], Math.min(tile, height - rows[r]))
                                .narrow(WIDTH, cols[c], Math.min(tile, width - cols[c])));
                        if (above[c] != null) {
                            blendInto(decoded, above[c], HEIGHT);
                        }
                        if (left != null) {
                            blendInto(decoded, left, WIDTH);
                        }
                        if (image == null) { // the first tile tells the image's channels, type and device
                            image = decoded.new_empty(
                                    decoded.size(0), decoded.size(1), height * scaleFactor, width * scaleFactor);
                            decodeScope.attach(image);
                        }
                        long ownedHeight = owned(rows, r, height) * scaleFactor;
                        long ownedWidth = owned(cols, c, width) * scaleFactor;
                        image.narrow(HEIGHT, (long) rows[r] * scaleFactor, ownedHeight)
                                .narrow(WIDTH, (long) cols[c] * scaleFactor, ownedWidth)
                                .copy_(decoded.narrow(HEIGHT, 0, ownedHeight).narrow(WIDTH, 0, ownedWidth));
                        boolean tileBelow = r + 1 < rows.length && blend > 0;
                        boolean tileRight = c + 1 < cols.length && blend > 0;
                        above[c] = tileBelow ? strip(decoded, HEIGHT, blend, decodeScope) : null;
                        left = tileRight ? strip(decoded, WIDTH, blend, decodeScope) : null;
                    }
                }
            }
            return image;
        });
    }

    /**
     * The tiles' start positions along an axis of {@code size} latent pixels: 0, stride, 2 stride, ...
     * until a tile reaches the end. One tile when it covers the axis.
     */
    static int[] starts(int size, int tile, int stride) {
        int count = size <= tile ? 1 : 1 + (size - tile + stride - 1) / stride;
        int[] starts = new int[count];
        for (int i = 0; i < count; i++) {
            starts[i] = i * stride;
        }
        return starts;
    }

    /**
     * diffusers' blend_v / blend_h as a pure function: {@code a} and {@code b}, equally shaped strips
     * of n pixels along {@code dim}, mixed as {@code a * (1 - i/n) + b * i/n} at index i: all
     * {@code a} at the first, nearly all {@code b} at the last.
     */
    static Tensor blend(Tensor a, Tensor b, int dim) {
        return Tensors.scoped(() -> {
            int n = (int) a.size(dim);
            double[] toB = new double[n];
            double[] toA = new double[n];
            for (int i = 0; i < n; i++) {
                toB[i] = (double) i / n;
                toA[i] = 1 - toB[i];
            }
            long[] shape = {1, 1, 1, 1};
            shape[dim] = n;
            return a.mul(weights(toA, shape, a)).add(b.mul(weights(toB, shape, b)));
        });
    }

    private static Tensor weights(double[] values, long[] shape, Tensor like) {
        return Tensors.fromDoubles(values, shape).to(like.device(), like.scalar_type());
    }

    /** Blends the start of {@code tile} along {@code dim} with {@code strip}, the end of the earlier tile, in place. */
    private static void blendInto(Tensor tile, Tensor strip, int dim) {
        Tensor start = tile.narrow(dim, 0, strip.size(dim));
        start.copy_(blend(strip, start, dim));
    }

    /** A copy of the last {@code pixels} of {@code tile} along {@code dim}, kept in {@code scope}. */
    private static Tensor strip(Tensor tile, int dim, int pixels, PointerScope scope) {
        Tensor copy = tile.narrow(dim, tile.size(dim) - pixels, pixels).clone();
        scope.attach(copy);
        return copy;
    }

    /** The latent pixels tile {@code i} gives the image: up to where the next tile starts, or to the end. */
    private static long owned(int[] starts, int i, long size) {
        return (i + 1 < starts.length ? starts[i + 1] : size) - starts[i];
    }
}
