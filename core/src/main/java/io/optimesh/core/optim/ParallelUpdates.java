package io.optimesh.core.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * Applies one step of an update rule to many tensors on several cores. Element-wise rules ({@link
 * ElementwiseRule}) are split into chunks of at least {@link #MIN_CHUNK} elements; other rules get
 * one task per tensor. Each element is updated exactly as one sequential pass would update it, so
 * the result is bit-identical whatever the thread count.
 */
public final class ParallelUpdates implements AutoCloseable {

    /** Below this many elements a chunk costs more to schedule than to update. */
    public static final int MIN_CHUNK = 1 << 15;

    /** One tensor's part of a step. */
    public record Job(
            float[] parameters,
            float[] gradients,
            int[] shape,
            float[][] state,
            long step,
            double weightDecay) {}

    private final int threads;
    private final ForkJoinPool pool;

    /** @param threads cores to use; 0 for every available processor */
    public ParallelUpdates(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        this.threads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        this.pool = this.threads == 1 ? null : new ForkJoinPool(this.threads);
    }

    public int threads() {
        return threads;
    }

    /** Applies {@code rule} to every job at {@code learningRate}, and returns once all are done. */
    public void apply(UpdateRule rule, List<Job> jobs, double learningRate) {
        if (pool == null) {
            for (Job job : jobs) {
                rule.apply(
                        job.parameters(),
                        job.gradients(),
                        job.shape(),
                        job.state(),
                        job.step(),
                        learningRate,
                        job.weightDecay());
            }
            return;
        }
        List<Runnable> tasks = tasks(rule, jobs, learningRate);
        List<Future<?>> futures = new ArrayList<>(tasks.size());
        for (Runnable task : tasks) {
            futures.add(pool.submit(task));
        }
        RuntimeException failure = null;
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure =
                            e.getCause() instanceof RuntimeException r
                                    ? r
                                    : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while applying an update", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private List<Runnable> tasks(UpdateRule rule, List<Job> jobs, double learningRate) {
        long total = 0;
        for (Job job : jobs) {
            total += job.parameters().length;
        }
        // About four chunks per thread balance the load without many tiny tasks.
        int chunk = (int) Math.max(MIN_CHUNK, Math.min(Integer.MAX_VALUE, total / (4L * threads)));
        List<Runnable> tasks = new ArrayList<>();
        for (Job job : jobs) {
            int n = job.parameters().length;
            if (rule instanceof ElementwiseRule elementwise && n > chunk) {
                Algorithm.checkShapes(job.parameters(), job.gradients(), job.state(), job.state().length);
                for (int from = 0; from < n; from += chunk) {
                    int start = from;
                    int end = Math.min(n, from + chunk);
                    tasks.add(
                            () ->
                                    elementwise.applyRange(
                                            job.parameters(),
                                            job.gradients(),
                                            job.state(),
                                            job.step(),
                                            learningRate,
                                            job.weightDecay(),
                                            start,
                                            end));
                }
            } else {
                tasks.add(
                        () ->
                                rule.apply(
                                        job.parameters(),
                                        job.gradients(),
                                        job.shape(),
                                        job.state(),
                                        job.step(),
                                        learningRate,
                                        job.weightDecay()));
            }
        }
        return tasks;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
