package io.optimesh.optimizer.grpc;

import com.google.rpc.Code;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.optimizer.state.HeldState;
import io.optimesh.optimizer.state.PendingStep;
import io.optimesh.optimizer.state.StateException;
import io.optimesh.optimizer.state.StateStore;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.optimesh.v1.ApplyUpdatesResponse;
import io.optimesh.v1.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One ApplyUpdates call: collects each step's gradients until end_of_step, applies the step, and
 * streams the updated tensors back in responses of about {@link #RESPONSE_BYTES} (a larger tensor
 * goes alone), the last marked end_of_step. A call may carry any number of steps; the first refused
 * message ends it, with the state as it was before that step.
 *
 * <p>The call's events arrive in order on the event loop and run, still in order and one at a
 * time, on a worker thread, so a step's work never blocks the event loop.
 */
final class ApplyUpdatesCall implements StreamObserver<ApplyUpdatesRequest> {

    static final int RESPONSE_BYTES = 4 << 20;
    static final String INCOMPLETE_STEP = "INCOMPLETE_STEP";

    private final StateStore states;
    private final StreamObserver<ApplyUpdatesResponse> responses;
    private final Executor worker;
    private final Queue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private PendingStep pending;
    private boolean closed;

    ApplyUpdatesCall(StateStore states, StreamObserver<ApplyUpdatesResponse> responses, Executor worker) {
        this.states = states;
        this.responses = responses;
        this.worker = worker;
    }

    /** Runs the call's events in arrival order, one at a time, on the worker. */
    private void enqueue(Runnable event) {
        events.add(event);
        if (queued.getAndIncrement() == 0) {
            worker.execute(this::drain);
        }
    }

    private void drain() {
        do {
            events.poll().run();
        } while (queued.decrementAndGet() > 0);
    }

    @Override
    public void onNext(ApplyUpdatesRequest request) {
        enqueue(() -> next(request));
    }

    @Override
    public void onError(Throwable error) {
        enqueue(this::cancelled);
    }

    @Override
    public void onCompleted() {
        enqueue(this::completed);
    }

    private void next(ApplyUpdatesRequest request) {
        if (closed) {
            return;
        }
        try {
            if (pending == null) {
                pending = states.get(request.getState()).beginStep();
            } else if (!pending.state().name().equals(request.getState())) {
                throw GrpcErrors.invalidArgument(StateErrors.INVALID_OPTIMIZER_STATE_REQUEST, List.of(
                        com.google.rpc.BadRequest.FieldViolation.newBuilder()
                                .setField("state")
                                .setDescription("this step is of " + pending.state().name())
                                .build()));
            }
            pending.add(request.getStep(), request.getLearningRate(), request.getGradientsList());
            if (request.getEndOfStep()) {
                HeldState.StepResult result = states.apply(pending, request.getReturnDeltas());
                pending = null;
                send(result);
            }
        } catch (StateException e) {
            fail(StateErrors.status(e));
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void send(HeldState.StepResult result) {
        ApplyUpdatesResponse.Builder response = ApplyUpdatesResponse.newBuilder().setStep(result.step());
        long bytes = 0;
        for (Tensor t : result.tensors()) {
            if (response.getParametersCount() > 0 && bytes + t.getData().size() > RESPONSE_BYTES) {
                responses.onNext(response.build());
                response = ApplyUpdatesResponse.newBuilder().setStep(result.step());
                bytes = 0;
            }
            response.addParameters(t);
            bytes += t.getData().size();
        }
        responses.onNext(response.setUpdateNorm(result.updateNorm()).setEndOfStep(true).build());
    }

    private void fail(Throwable error) {
        closed = true;
        pending = null;
        responses.onError(error);
    }

    private void cancelled() {
        // The client went away: a half-collected step is dropped, the state stays as it was.
        closed = true;
        pending = null;
    }

    private void completed() {
        if (closed) {
            return;
        }
        if (pending != null) {
            fail(GrpcErrors.error(Code.FAILED_PRECONDITION, INCOMPLETE_STEP,
                    "the call ended before end_of_step: the step was not applied",
                    Map.of("state", pending.state().name())));
            return;
        }
        closed = true;
        responses.onCompleted();
    }
}
