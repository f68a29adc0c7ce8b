package dev.torchsd.embedding;

/**
 * The vectors of an embedding for one text encoder: {@code rows.length} vectors of the encoder's
 * hidden size. SD 1.x/2.x embeddings have one set; SDXL ones have {@code clip_l} and {@code clip_g}.
 *
 * @param key  the tensor's name in the file ({@code emb_params}, {@code <cat-toy>}, {@code *}, {@code clip_g})
 * @param rows {@code n × hidden} values, converted to float from the file's dtype
 */
public record VectorSet(String key, float[][] rows) {

    public int vectorCount() {
        return rows.length;
    }

    public int hiddenSize() {
        return rows.length == 0 ? 0 : rows[0].length;
    }

    /** Euclidean norm of each vector, computed in double. */
    public double[] norms() {
        double[] norms = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            double sum = 0;
            for (float v : rows[i]) {
                sum += (double) v * v;
            }
            norms[i] = Math.sqrt(sum);
        }
        return norms;
    }
}
