package io.optimesh.law.model;

/** Per-step LR sequences for tests, warmup included. */
public final class Schedules {

    private Schedules() {
    }

    /** Linear warmup to {@code peak} over {@code warmup} steps, then cosine to {@code floor} at {@code total}. */
    public static double[] cosine(int total, int warmup, double peak, double floor) {
        double[] lrs = new double[total + 1];
        for (int s = 0; s <= total; s++) {
            lrs[s] = s < warmup ? peak * s / warmup
                    : floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * (s - warmup) / (total - warmup)));
        }
        return lrs;
    }

    /** Linear warmup to {@code peak} over {@code warmup} steps, then constant. */
    public static double[] constant(int total, int warmup, double peak) {
        double[] lrs = new double[total + 1];
        for (int s = 0; s <= total; s++) {
            lrs[s] = s < warmup ? peak * s / warmup : peak;
        }
        return lrs;
    }

    /** Linear warmup, {@code peak} until {@code decayStart}, then linear to {@code floor} at {@code total}. */
    public static double[] wsd(int total, int warmup, int decayStart, double peak, double floor) {
        double[] lrs = new double[total + 1];
        for (int s = 0; s <= total; s++) {
            lrs[s] = s < warmup ? peak * s / warmup
                    : s < decayStart ? peak : peak + (floor - peak) * (s - decayStart) / (total - decayStart);
        }
        return lrs;
    }

    /** Every {@code every}-th step from {@code first} to {@code last}. */
    public static int[] steps(int first, int last, int every) {
        int[] steps = new int[(last - first) / every + 1];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = first + i * every;
        }
        return steps;
    }
}
