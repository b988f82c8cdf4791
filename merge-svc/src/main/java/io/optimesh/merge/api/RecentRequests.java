package io.optimesh.merge.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The last {@code capacity} requests that carried a request id, each with its answer (or the future answer
 * of one still running), so that a retried request gets the first one's answer instead of running again
 * (AIP-155). Only in memory: after a restart a retry runs anew. Thread-safe.
 *
 * @param <Q> the request
 * @param <R> its answer
 */
final class RecentRequests<Q, R> {

    /**
     * A request and its answer. {@code first} when this call recorded it: the caller then runs the request
     * and completes {@code answer} (or {@link #fail}s); otherwise the caller waits for {@code answer}.
     */
    record Claim<Q, R>(Q request, CompletableFuture<R> answer, boolean first) {

        /**
         * The answer of the first request with this id, once it has one (its error if it failed); a
         * different request under the same id is refused with a field violation on request_id.
         */
        R earlierAnswer(String id, Q repeated, String rpc, String failureReason) {
            if (!request.equals(repeated)) {
                new FieldViolations().add("request_id", "REQUEST_ID_REUSED", "'" + id + "' was already used for a"
                        + " different " + rpc + " request; a new request needs a new id")
                        .throwIfAny(MergeRequests.INVALID_REQUEST);
            }
            try {
                return answer.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof StatusRuntimeException s ? s
                        : GrpcErrors.internal(failureReason, String.valueOf(e.getCause()), Map.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted while waiting for request " + id).asRuntimeException();
            }
        }

    }

    private final Map<String, Claim<Q, R>> entries;

    RecentRequests(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        // Insertion order: the oldest request is forgotten first.
        this.entries = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Claim<Q, R>> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The request recorded under {@code id}, or {@code request} itself, newly recorded with a pending answer. */
    synchronized Claim<Q, R> claim(String id, Q request) {
        Objects.requireNonNull(request, "request");
        Claim<Q, R> existing = entries.get(id);
        if (existing != null) {
            return new Claim<>(existing.request(), existing.answer(), false);
        }
        Claim<Q, R> claim = new Claim<>(request, new CompletableFuture<>(), true);
        entries.put(id, claim);
        return claim;
    }

    /**
     * Forgets a request that failed, so that a retry runs it again, and hands {@code error} to the calls
     * waiting for its answer.
     */
    void fail(String id, Claim<Q, R> claim, Throwable error) {
        synchronized (this) {
            entries.remove(id, claim);
        }
        claim.answer().completeExceptionally(error);
    }

    synchronized int size() {
        return entries.size();
    }
}
