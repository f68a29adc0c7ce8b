package dev.torchsd.spark;

import dev.torchsd.error.TorchsdException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} arguments of the launchers, checked against what each accepts. */
final class Arguments {
    private final Map<String, String> values = new HashMap<>();

    Arguments(String[] args, Set<String> options, Set<String> flags, String usage) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (flags.contains(name)) {
                values.put(name, "true");
            } else if (options.contains(name) && i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new TorchsdException(
                        (options.contains(name) ? name + " needs a value" : "unknown argument " + name) + "\nusage: "
                                + usage);
            }
        }
    }

    String get(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    String required(String name, String usage) {
        String v = values.get(name);
        if (v == null) {
            throw new TorchsdException(name + " is required\nusage: " + usage);
        }
        return v;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    int integer(String name, int otherwise) {
        String v = values.get(name);
        try {
            return v == null ? otherwise : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new TorchsdException(name + ": expected an integer, found '" + v + "'");
        }
    }

    static Set<String> names(String... names) {
        return Set.copyOf(List.of(names));
    }
}
