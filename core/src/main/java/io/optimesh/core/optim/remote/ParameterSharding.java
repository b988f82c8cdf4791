package io.optimesh.core.optim.remote;

import java.nio.charset.StandardCharsets;

/**
 * Which replica holds a parameter's optimizer state: rendezvous (highest random weight) hashing of
 * the parameter's name. The client and every optimizer-svc replica compute it the same way, with
 * no coordination; adding a replica moves only the parameters the new one wins.
 *
 * <p>The hash is part of the contract between clients and replicas: changing it would strand the
 * state of running sharded runs.
 */
public final class ParameterSharding {

    private ParameterSharding() {}

    /** The shard in {@code [0, shardCount)} that holds {@code name}; 0 when there is one shard. */
    public static int shardOf(String name, int shardCount) {
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be >= 1, got " + shardCount);
        }
        long nameHash = fnv1a64(name.getBytes(StandardCharsets.UTF_8));
        int best = 0;
        long bestWeight = Long.MIN_VALUE;
        for (int shard = 0; shard < shardCount; shard++) {
            long weight = mix(nameHash ^ mix(shard + 1L));
            // Strictly greater: a tie goes to the lower shard, so the answer never depends on order.
            if (weight > bestWeight) {
                bestWeight = weight;
                best = shard;
            }
        }
        return best;
    }

    /** 64-bit FNV-1a. */
    static long fnv1a64(byte[] bytes) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /** SplitMix64's finaliser: spreads every input bit over the whole word. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
