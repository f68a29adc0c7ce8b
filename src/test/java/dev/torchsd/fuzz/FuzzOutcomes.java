package dev.torchsd.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import dev.torchsd.error.TorchsdException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts what a reader did with each damaged input: loaded, or refused with torchsd's own
 * exception. Anything else (another exception, an Error such as OutOfMemoryError or
 * StackOverflowError) fails the test with the case that caused it.
 */
public final class FuzzOutcomes {
    private int loaded;
    private final Map<String, Integer> refused = new TreeMap<>();

    public interface Reader {
        void read(byte[] input) throws Exception;
    }

    public void run(String what, int caseNumber, byte[] input, Reader reader) {
        try {
            reader.read(input);
            loaded++;
        } catch (TorchsdException e) {
            refused.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        } catch (Throwable t) {
            fail(what + " case " + caseNumber + " (" + input.length + " bytes) escaped with " + t, t);
        }
    }

    public int total() {
        return loaded + refused.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public String toString() {
        return total() + " cases: " + loaded + " loaded, refused " + refused;
    }
}
