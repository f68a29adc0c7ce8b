package dev.torchsd.model;

/**
 * How often a network was called and how long those calls spent inside libtorch, since the model
 * was loaded. Two snapshots subtract to the work of what ran between them; everything a generation
 * spends outside the networks is the Java side's overhead (tokenizer, scheduler, guidance, images).
 */
public record NetworkTime(long calls, long nanos) {
    public static final NetworkTime ZERO = new NetworkTime(0, 0);

    public NetworkTime minus(NetworkTime earlier) {
        return new NetworkTime(calls - earlier.calls, nanos - earlier.nanos);
    }

    public NetworkTime plus(NetworkTime other) {
        return new NetworkTime(calls + other.calls, nanos + other.nanos);
    }

    public double seconds() {
        return nanos / 1e9;
    }
}
