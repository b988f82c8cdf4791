package io.optimesh.trainer.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and bare {@code --flag}s of a benchmark's command line. */
final class BenchArgs {

    private final Map<String, String> values = new HashMap<>();

    /** Parses {@code args}; {@code flags} take no value, every other option must have one. */
    BenchArgs(String[] args, Set<String> options, Set<String> flags) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name != null && flags.contains(name)) {
                values.put(name, "true");
            } else if (name != null && options.contains(name) && i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; options: "
                        + options.stream().sorted().map(o -> "--" + o + " VALUE").toList() + ", flags: "
                        + flags.stream().sorted().map(f -> "--" + f).toList());
            }
        }
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }
}
