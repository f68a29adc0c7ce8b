package dev.torchsd.pipeline;

/**
 * Tiled VAE decoding, as diffusers' {@code AutoencoderKL.enable_tiling()}: the latents are decoded
 * in square tiles of {@code tileSize} image pixels that overlap their neighbours by {@code overlap}
 * pixels, and the overlaps are blended linearly, as diffusers blends them. The decoder's memory
 * then grows with the tile, not with the image. Each tile is decoded without seeing the rest of
 * the image, so pixels change slightly, most near the seams: {@link #OFF} is the default. An image
 * that fits in one tile is decoded whole, exactly as without tiling.
 *
 * @param tileSize the tiles' edge in image pixels; 0 = off
 * @param overlap  the pixels neighbouring tiles share (and blend over); smaller than the tile
 */
public record VaeTiling(int tileSize, int overlap) {

    /** diffusers' tile: its VAE's sample size, 512 pixels (64 latent pixels) for SD 1.x. */
    public static final int DEFAULT_TILE_SIZE = 512;

    /** Decode the whole image at once (the default). */
    public static final VaeTiling OFF = new VaeTiling(0, 0);

    /** diffusers' defaults: 512-pixel tiles overlapping by a quarter (128 pixels). */
    public static final VaeTiling DEFAULT = of(DEFAULT_TILE_SIZE);

    /**
     * Tiles of {@code tileSize} pixels overlapping by a quarter of the tile, as diffusers' tile_overlap_factor.
     *
     * @param tileSize the tiles' edge in image pixels
     * @return the setting; checked by {@link #check} when a generation starts
     */
    public static VaeTiling of(int tileSize) {
        return new VaeTiling(tileSize, tileSize / 4);
    }

    /**
     * Reads a setting: "TILE" (overlap a quarter of the tile) or "TILE:OVERLAP", in image pixels.
     *
     * @param text e.g. "512" or "512:128"
     * @return the setting; checked by {@link #check} when a generation starts
     * @throws RequestException naming the text if it is not one or two whole numbers
     */
    public static VaeTiling parse(String text) {
        String[] parts = text.trim().split(":", -1);
        try {
            if (parts.length == 1) {
                return of(Integer.parseInt(parts[0].trim()));
            }
            if (parts.length == 2) {
                return new VaeTiling(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new RequestException("VAE tiling must be TILE or TILE:OVERLAP in image pixels (e.g. 512 or 512:128),"
                + " got '" + text + "'");
    }

    /**
     * Whether the image is decoded in tiles (anything but {@link #OFF}).
     *
     * @return false for {@link #OFF}
     */
    public boolean enabled() {
        return tileSize != 0 || overlap != 0;
    }

    /**
     * Refuses settings that cannot tile: a tile under {@value GenerationRequest#MIN_SIZE} pixels, an
     * overlap that is negative or not smaller than the tile, or sizes that are not whole latent
     * pixels ({@code scaleFactor} image pixels each).
     *
     * @param scaleFactor the model's VAE scale: image pixels per latent pixel
     * @throws RequestException naming the value and the allowed range
     */
    public void check(int scaleFactor) {
        if (!enabled()) {
            return;
        }
        if (tileSize < GenerationRequest.MIN_SIZE || tileSize % scaleFactor != 0) {
            throw new RequestException("VAE tile size must be a multiple of " + scaleFactor + " from "
                    + GenerationRequest.MIN_SIZE + " up, got " + tileSize);
        }
        if (overlap < 0 || overlap >= tileSize || overlap % scaleFactor != 0) {
            throw new RequestException("VAE tile overlap must be a multiple of " + scaleFactor + " from 0 to less"
                    + " than the tile size (" + tileSize + "), got " + overlap);
        }
    }

    /**
     * The tile's edge in latent pixels.
     *
     * @param scaleFactor the model's VAE scale: image pixels per latent pixel
     * @return {@code tileSize / scaleFactor}
     */
    public int latentTile(int scaleFactor) {
        return tileSize / scaleFactor;
    }

    /**
     * The overlap in latent pixels.
     *
     * @param scaleFactor the model's VAE scale: image pixels per latent pixel
     * @return {@code overlap / scaleFactor}
     */
    public int latentOverlap(int scaleFactor) {
        return overlap / scaleFactor;
    }

    /** "TILE:OVERLAP", as {@link #parse} reads it. */
    @Override
    public String toString() {
        return enabled() ? tileSize + ":" + overlap : "off";
    }
}
