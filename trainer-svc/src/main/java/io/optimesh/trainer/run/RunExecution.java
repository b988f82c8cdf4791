package io.optimesh.trainer.run;

import ai.djl.ndarray.NDManager;
import io.grpc.Channel;
import io.optimesh.trainer.checkpoint.Checkpoint;
import io.optimesh.trainer.checkpoint.CheckpointManifest;
import io.optimesh.trainer.checkpoint.CheckpointStore;
import io.optimesh.trainer.data.BatchSampler;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.Torch;
import io.optimesh.trainer.training.Evaluator;
import io.optimesh.trainer.training.InProcessOptimizer;
import io.optimesh.trainer.training.ParameterUpdate;
import io.optimesh.trainer.training.RemoteParameterUpdate;
import io.optimesh.trainer.training.TrainingListener;
import io.optimesh.trainer.training.TrainingLoop;
import io.optimesh.trainer.training.TrainingOutcome;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** One execution of a run on the calling thread: fresh, or resumed from the store's latest checkpoint. */
final class RunExecution {

    private RunExecution() {}

    /**
     * Trains {@code plan} until it completes, diverges or {@code stop} says so.
     *
     * @param resume continue from the latest checkpoint in {@code store} (from step 0 when there is
     *     none); otherwise start afresh, removing checkpoints an earlier run left there
     * @param optimizerReplicas optimizer-svc's replicas, for a plan whose optimizer runs there
     */
    static TrainingOutcome train(RunPlan plan, CheckpointStore store, boolean resume, TrainingListener listener,
            BooleanSupplier stop, List<? extends Channel> optimizerReplicas) {
        Optional<Checkpoint> from = resume ? store.latest() : Optional.empty();
        if (!resume) {
            store.clear();
        }
        try (NDManager root = NDManager.newBaseManager(plan.device(), Torch.ENGINE)) {
            Gpt model;
            ParameterUpdate optimizer;
            long startStep = 0;
            double bestLoss = Double.POSITIVE_INFINITY;
            if (from.isPresent()) {
                Checkpoint checkpoint = from.get();
                CheckpointManifest manifest = checkpoint.manifest();
                if (!manifest.model().equals(plan.model())) {
                    throw new IllegalStateException(checkpoint + " holds a " + manifest.model()
                            + ", the run trains a " + plan.model());
                }
                if (!manifest.optimizer().name().equals(plan.optimizer().algorithm().name())) {
                    throw new IllegalStateException(checkpoint + " holds " + manifest.optimizer().name()
                            + " state, the run trains with " + plan.optimizer().algorithm().name());
                }
                if (manifest.optimizer().updates() != manifest.step()) {
                    throw new IllegalStateException(checkpoint + " is at step " + manifest.step() + " but its optimizer"
                            + " applied " + manifest.optimizer().updates() + " updates");
                }
                if (manifest.optimizer().remote() != plan.remoteOptimizer()) {
                    throw new IllegalStateException(checkpoint + " holds the state of an optimizer "
                            + (manifest.optimizer().remote() ? "in optimizer-svc" : "in process")
                            + "; the run places it " + (plan.remoteOptimizer() ? "in optimizer-svc" : "in process"));
                }
                model = checkpoint.loadModel(root);
                optimizer = plan.remoteOptimizer()
                        ? RemoteParameterUpdate.restore(optimizerReplicas, manifest.optimizer().snapshots(),
                                plan.optimizer(), model.parameters(), manifest.optimizer().updates())
                        : InProcessOptimizer.restore(plan.optimizer(), model.parameters(),
                                checkpoint.optimizerState(), manifest.optimizer().updates());
                startStep = manifest.step();
                if (manifest.bestLoss() != null) {
                    bestLoss = manifest.bestLoss();
                }
            } else {
                model = Gpt.initialize(plan.model(), plan.training().seed(), root);
                optimizer = plan.remoteOptimizer()
                        ? RemoteParameterUpdate.create(optimizerReplicas, plan.optimizer(), model.parameters())
                        : new InProcessOptimizer(plan.optimizer(), model.parameters());
            }
            try (model; optimizer) {
                BatchSampler sampler = new BatchSampler(plan.dataset().corpus(), plan.sequenceLength(),
                        plan.training().rowsPerStep(), plan.training().seed());
                Evaluator evaluator = new Evaluator(BatchSampler.validationBatches(plan.dataset().corpus(),
                        plan.sequenceLength(), plan.training().microBatchRows(), plan.evalBatches()));
                TrainingLoop loop = new TrainingLoop(model, optimizer, sampler, evaluator, plan.schedule()::at,
                        plan.training(), listener, store);
                return loop.resume(startStep, bestLoss, stop);
            }
        }
    }
}
