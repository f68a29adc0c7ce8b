package dev.torchsd.scheduler;

/**
 * The few numpy array functions diffusers' timestep code uses, with numpy's exact arithmetic, so our
 * timesteps and sigmas equal diffusers' to the last bit: {@code np.linspace}, {@code np.arange} with a
 * float step, {@code np.round} (half to even) and {@code np.interp}.
 */
final class NumPy {
    private NumPy() {}

    /** {@code np.linspace(start, stop, num)}: start + i * step, the last value exactly stop. */
    static double[] linspace(double start, double stop, int num) {
        double[] values = new double[num];
        if (num == 1) {
            values[0] = start;
            return values;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            values[i] = i * step + start;
        }
        values[num - 1] = stop;
        return values;
    }

    /** {@code np.arange(start, stop, step)} for float steps: ceil((stop - start) / step) values start + i * step. */
    static double[] arange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = start + i * step;
        }
        return values;
    }

    /** {@code np.round}: to the nearest integer, halves to even. */
    static double[] round(double[] values) {
        double[] rounded = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = Math.rint(values[i]);
        }
        return rounded;
    }

    static double[] reverse(double[] values) {
        double[] reversed = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            reversed[i] = values[values.length - 1 - i];
        }
        return reversed;
    }

    /** Each value rounded to float32 and back, as {@code astype(np.float32)} does. */
    static double[] toFloat32(double[] values) {
        double[] rounded = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = (float) values[i];
        }
        return rounded;
    }

    /** {@code np.interp(x, arange(len(table)), table)}: linear interpolation, clamped at both ends. */
    static double interp(double x, float[] table) {
        int last = table.length - 1;
        if (x <= 0) {
            return table[0];
        }
        if (x >= last) {
            return table[last];
        }
        int j = (int) Math.floor(x);
        double slope = (double) table[j + 1] - table[j];
        return slope * (x - j) + table[j];
    }
}
