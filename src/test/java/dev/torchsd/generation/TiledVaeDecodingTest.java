package dev.torchsd.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.torchsd.model.Model;
import dev.torchsd.pipeline.VaeTiling;
import dev.torchsd.tensor.Tensors;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tiled VAE decoding: where the tiles go, how their overlaps blend, and that the assembled image is
 * exactly the tiles decoded on their own. The tiny model's VAE is random and, like every SD VAE,
 * sees the whole latent (group norms, attention), so a tiled image is not the untiled one; what
 * holds for any decoder is tested on the real one, the geometry on decoders whose output is known.
 */
class TiledVaeDecodingTest {
    private static final int SCALE = 8; // of the synthetic decoders below; the real VAE tells its own
    private static final VaeTiling TILE_64_OVERLAP_16 = new VaeTiling(64, 16); // 8 latent pixels, stride 6

    @Test
    void tilesStartEveryStrideUntilOneReachesTheEnd() {
        assertThat(TiledVaeDecoding.starts(8, 8, 6)).containsExactly(0);
        assertThat(TiledVaeDecoding.starts(5, 8, 6)).containsExactly(0);
        assertThat(TiledVaeDecoding.starts(9, 8, 6)).containsExactly(0, 6);
        assertThat(TiledVaeDecoding.starts(16, 8, 6)).containsExactly(0, 6, 12);
        assertThat(TiledVaeDecoding.starts(24, 8, 6)).containsExactly(0, 6, 12, 18);
        for (int size = 1; size <= 40; size++) {
            for (int stride = 1; stride <= 8; stride++) {
                int[] starts = TiledVaeDecoding.starts(size, 8, stride);
                int last = starts[starts.length - 1];
                assertThat(last + 8).as("the last tile reaches the end").isGreaterThanOrEqualTo(size);
                if (starts.length > 1) {
                    assertThat(starts[starts.length - 2] + 8)
                            .as("the tile before it does not")
                            .isLessThan(size);
                    assertThat(size - last)
                            .as("the last tile is wider than the overlap")
                            .isGreaterThan(8 - stride);
                }
                for (int i = 0; i < starts.length; i++) {
                    assertThat(starts[i]).isEqualTo(i * stride);
                }
            }
        }
    }

    @Test
    void blendMovesLinearlyFromTheEarlierStripToTheLaterOne() {
        try (PointerScope scope = new PointerScope()) {
            Tensor zeros = Tensors.fromFloats(new float[8], 1, 1, 4, 2);
            Tensor ones = Tensors.fromFloats(filled(8, 1f), 1, 1, 4, 2);
            assertThat(Tensors.toFloats(TiledVaeDecoding.blend(zeros, ones, 2)))
                    .containsExactly(0f, 0f, 0.25f, 0.25f, 0.5f, 0.5f, 0.75f, 0.75f);
            assertThat(Tensors.toFloats(TiledVaeDecoding.blend(ones, zeros, 3)))
                    .containsExactly(1f, 0.5f, 1f, 0.5f, 1f, 0.5f, 1f, 0.5f);
        }
    }

    @Test
    void aTileAsLargeAsTheImageDecodesItExactlyAsWithoutTiling() {
        try (Model model = Model.loadBuiltin();
                PointerScope scope = new PointerScope()) {
            int scale = model.manifest().vae().scaleFactor();
            for (long[] shape : new long[][] {{1, 4, 8, 8}, {2, 4, 12, 16}}) {
                Tensor latents = randomLatents(shape, 7);
                Tensor whole = model.vaeDecoder().decode(latents);
                int side = (int) Math.max(shape[2], shape[3]) * scale;
                for (VaeTiling tiling : new VaeTiling[] {VaeTiling.of(side), VaeTiling.DEFAULT}) {
                    Tensor tiled = TiledVaeDecoding.decode(latents, model.vaeDecoder()::decode, tiling, scale);
                    assertThat(Tensors.shape(tiled)).containsExactly(Tensors.shape(whole));
                    assertThat(Tensors.toFloats(tiled)).containsExactly(Tensors.toFloats(whole));
                }
            }
        }
    }

    /**
     * With a decoder that looks at each latent pixel alone (nearest upscaling), every tile agrees
     * with the whole image where they overlap, so the tiled image must be the untiled one at every
     * pixel: any tile placed, cropped or copied to the wrong place shows.
     */
    @ParameterizedTest(name = "latents {0}x{1}, batch {2}, tiling {3}:{4}")
    @CsvSource({"16, 24, 1, 64, 16", "15, 25, 2, 64, 16", "13, 7, 1, 64, 32", "25, 15, 1, 96, 0", "9, 40, 1, 64, 8"})
    void withAPixelWiseDecoderTheTiledImageIsTheUntiledOne(int h, int w, int batch, int tile, int overlap) {
        try (PointerScope scope = new PointerScope()) {
            Tensor latents = randomLatents(new long[] {batch, 4, h, w}, h * 31 + w);
            Tensor whole = nearestUpscale(latents);
            Tensor tiled = TiledVaeDecoding.decode(
                    latents, TiledVaeDecodingTest::nearestUpscale, new VaeTiling(tile, overlap), SCALE);
            assertThat(Tensors.shape(tiled)).containsExactly(batch, 3, (long) h * SCALE, (long) w * SCALE);
            float[] expected = Tensors.toFloats(whole);
            float[] actual = Tensors.toFloats(tiled);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], within(1e-5f));
            }
        }
    }

    /** Two tiles side by side, decoded as 0 and 1: the image ramps from 0 to 1 across the 16-pixel overlap. */
    @Test
    void neighboursBlendAcrossTheirOverlapInTheImage() {
        try (PointerScope scope = new PointerScope()) {
            float[] sideBySide = Tensors.toFloats(TiledVaeDecoding.decode(
                    randomLatents(new long[] {1, 4, 8, 14}, 1), tileNumbers(), TILE_64_OVERLAP_16, SCALE));
            float[] stacked = Tensors.toFloats(TiledVaeDecoding.decode(
                    randomLatents(new long[] {1, 4, 14, 8}, 1), tileNumbers(), TILE_64_OVERLAP_16, SCALE));
            for (int across = 0; across < 112; across++) {
                float expected = across < 48 ? 0 : across < 64 ? (across - 48) / 16f : 1;
                for (int along = 0; along < 64; along++) {
                    assertThat(sideBySide[along * 112 + across])
                            .as("x %d", across)
                            .isEqualTo(expected);
                    assertThat(stacked[across * 64 + along]).as("y %d", across).isEqualTo(expected);
                }
            }
        }
    }

    /**
     * Four tiles decoded as 0, 1 / 2, 3: in the corner all four share, the last tile blends first with
     * the one above (as that one was blended with its left neighbour), then with the one to its left
     * (as blended with the one above it), as diffusers' tiled_decode does.
     */
    @Test
    void whereFourTilesMeetTheBlendIsVerticalThenHorizontal() {
        try (PointerScope scope = new PointerScope()) {
            float[] image = Tensors.toFloats(TiledVaeDecoding.decode(
                    randomLatents(new long[] {1, 4, 14, 14}, 1), tileNumbers(), TILE_64_OVERLAP_16, SCALE));
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 16; j++) {
                    double down = i / 16.0;
                    double right = j / 16.0;
                    double above = right; // tile 1's bottom rows after blending with tile 0
                    double left = 2 * down; // tile 2's right columns after blending with tile 0
                    double vertical = above * (1 - down) + 3 * down;
                    double expected = left * (1 - right) + vertical * right;
                    assertThat(image[(48 + i) * 112 + 48 + j])
                            .as("corner %d,%d", i, j)
                            .isCloseTo((float) expected, within(1e-6f));
                }
            }
        }
    }

    /**
     * On the real VAE: the image has the right shape, is finite, and wherever a single tile covers it
     * (outside the blended strips) it is exactly that tile decoded on its own.
     */
    @Test
    void theTiledImageIsEachTileDecodedOnItsOwn() {
        try (Model model = Model.loadBuiltin();
                PointerScope scope = new PointerScope()) {
            int scale = model.manifest().vae().scaleFactor();
            int height = 16 * scale;
            int width = 24 * scale;
            Tensor latents = randomLatents(new long[] {1, 4, 16, 24}, 3);
            float[] image = Tensors.toFloats(
                    TiledVaeDecoding.decode(latents, model.vaeDecoder()::decode, latentTiling(scale), scale));
            assertThat(image).hasSize(3 * height * width);
            for (float v : image) {
                assertThat(Float.isFinite(v)).isTrue();
            }
            int[] rows = {0, 6, 12}; // latent starts: tiles of 8 every 6
            int[] cols = {0, 6, 12, 18};
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < cols.length; c++) {
                    int tileHeight = Math.min(8, 16 - rows[r]);
                    int tileWidth = Math.min(8, 24 - cols[c]);
                    float[] alone = Tensors.toFloats(model.vaeDecoder()
                            .decode(latents.narrow(2, rows[r], tileHeight).narrow(3, cols[c], tileWidth)));
                    int top = r == 0 ? 0 : 2 * scale; // below the strip blended with the tile above
                    int leftEdge = c == 0 ? 0 : 2 * scale;
                    int bottom = (r + 1 < rows.length ? 6 : tileHeight) * scale; // up to the next tile
                    int rightEdge = (c + 1 < cols.length ? 6 : tileWidth) * scale;
                    for (int ch = 0; ch < 3; ch++) {
                        for (int y = top; y < bottom; y++) {
                            for (int x = leftEdge; x < rightEdge; x++) {
                                float inImage =
                                        image[(ch * height + rows[r] * scale + y) * width + cols[c] * scale + x];
                                float inTile = alone[(ch * tileHeight * scale + y) * tileWidth * scale + x];
                                assertThat(inImage)
                                        .as("tile %d,%d channel %d at %d,%d", r, c, ch, y, x)
                                        .isEqualTo(inTile);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void repeatedTiledDecodesLeaveNoNativeObjectsEvenWhenTheDecoderFails() {
        try (Model model = Model.loadBuiltin()) {
            int scale = model.manifest().vae().scaleFactor();
            Tensor latents = randomLatents(new long[] {1, 4, 16, 24}, 5); // outside any scope: closed below
            decodeAndDiscard(latents, model.vaeDecoder()::decode, scale);
            long before = Pointer.totalCount();
            for (int i = 0; i < 5; i++) {
                decodeAndDiscard(latents, model.vaeDecoder()::decode, scale);
            }
            int[] calls = {0};
            UnaryOperator<Tensor> failsOnTheFifthTile = tile -> {
                if (++calls[0] % 5 == 0) {
                    throw new IllegalStateException("decoder failed");
                }
                return model.vaeDecoder().decode(tile);
            };
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> decodeAndDiscard(latents, failsOnTheFifthTile, scale))
                        .hasMessage("decoder failed");
            }
            assertThat(Pointer.totalCount()).as("live JavaCPP pointers").isLessThanOrEqualTo(before);
            latents.close();
        }
    }

    private static void decodeAndDiscard(Tensor latents, UnaryOperator<Tensor> decoder, int scale) {
        try (PointerScope scope = new PointerScope()) {
            TiledVaeDecoding.decode(latents, decoder, latentTiling(scale), scale);
        }
    }

    /** Tiles of 8 latent pixels overlapping by 2 (stride 6) for a VAE of this scale factor. */
    private static VaeTiling latentTiling(int scale) {
        return new VaeTiling(8 * scale, 2 * scale);
    }

    private static Tensor randomLatents(long[] shape, long seed) {
        Random random = new Random(seed);
        float[] values = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Tensors.fromFloats(values, shape);
    }

    /** A decoder whose every image pixel is the latent pixel under it (its first 3 channels). */
    private static Tensor nearestUpscale(Tensor latents) {
        long[] s = Tensors.shape(latents);
        int batch = (int) s[0];
        int channels = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[] in = Tensors.toFloats(latents);
        float[] out = new float[batch * 3 * h * SCALE * w * SCALE];
        int i = 0;
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h * SCALE; y++) {
                    for (int x = 0; x < w * SCALE; x++) {
                        out[i++] = in[((n * channels + c) * h + y / SCALE) * w + x / SCALE];
                    }
                }
            }
        }
        return Tensors.fromFloats(out, batch, 3, (long) h * SCALE, (long) w * SCALE);
    }

    /** A decoder that paints its n-th tile (counting from 0, row by row) with the value n. */
    private static UnaryOperator<Tensor> tileNumbers() {
        int[] calls = {0};
        return latents -> {
            long[] s = Tensors.shape(latents);
            int size = (int) (s[0] * 3 * s[2] * SCALE * s[3] * SCALE);
            return Tensors.fromFloats(filled(size, calls[0]++), s[0], 3, s[2] * SCALE, s[3] * SCALE);
        };
    }

    private static float[] filled(int size, float value) {
        float[] values = new float[size];
        java.util.Arrays.fill(values, value);
        return values;
    }
}
