package io.optimesh.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.djl.Device;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.training.OptimizerSettings;
import io.optimesh.trainer.training.TrainingConfig;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.ModelOverrides;
import io.optimesh.v1.OptimizerPlacement;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.PositionEncoding;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunPlannerTest {

    private static final RunPlanner PLANNER = new RunPlanner(new RunDefaults("cpu", 8, 10, 3, 3.0));

    private static RunSpec.Builder spec() {
        return RunSpec.newBuilder()
                .setModelPreset("tiny")
                .setSteps(100)
                .setBatchSize(4)
                .setSeed(11)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.05)
                        .setGradientClipNorm(0.5))
                .setSchedule(Schedule.newBuilder().setTotalSteps(100).setPeakLr(1e-3)
                        .setConstant(ConstantFamily.getDefaultInstance()));
    }

    @Test
    void zerosTakeTheServiceDefaultsAndTheModelsContext() {
        RunPlan plan = PLANNER.plan(spec().build());

        assertThat(plan.model()).isEqualTo(GptConfig.tiny());
        assertThat(plan.sequenceLength()).isEqualTo(64);
        assertThat(plan.dataset().name()).isEqualTo("europarl");
        // Checkpoints only at the end (and on stop), evaluation only at the end.
        assertThat(plan.training()).isEqualTo(new TrainingConfig(100, 4, 1, 11, 0.5, 0, 10, 3.0, 100));
        assertThat(plan.optimizer()).isEqualTo(OptimizerSettings.of("adamw", Map.of(), 0.05));
        assertThat(plan.evalBatches()).isEqualTo(8);
        assertThat(plan.keepLastCheckpoints()).isEqualTo(3);
        assertThat(plan.device()).isEqualTo(Device.cpu());
        assertThat(plan.schedule().at(42)).isEqualTo(1e-3);
    }

    @Test
    void theSpecsOwnValuesAndOverridesWin() {
        RunPlan plan = PLANNER.plan(spec()
                .setModel(ModelOverrides.newBuilder().setLayers(2).setWidth(32).setHeads(2).setContext(48)
                        .setPositionEncoding(PositionEncoding.POSITION_ENCODING_ROPE).setTiedEmbeddings(false)
                        .setDropout(0.1))
                .setSequenceLength(40)
                .setGradientAccumulation(2)
                .setEvalInterval(1000)
                .setCheckpointInterval(25)
                .setMetricsBatchSize(5)
                .setEvalBatches(2)
                .setKeepLastCheckpoints(1)
                .setOptimizer(spec().getOptimizer().toBuilder().putHyperparameters("beta2", 0.95))
                .build());

        assertThat(plan.model()).isEqualTo(
                new GptConfig(256, 2, 32, 2, 48, GptConfig.Positional.ROPE, false, 0.1));
        assertThat(plan.sequenceLength()).isEqualTo(40);
        assertThat(plan.training()).isEqualTo(new TrainingConfig(100, 4, 2, 11, 0.5, 100, 5, 3.0, 25));
        assertThat(plan.optimizer().hyperparameters()).isEqualTo(Map.of("beta2", 0.95));
        assertThat(plan.evalBatches()).isEqualTo(2);
        assertThat(plan.keepLastCheckpoints()).isEqualTo(1);
    }

    @Test
    void everyFieldProblemIsReportedAtOnce() {
        InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class, () -> PLANNER.plan(spec()
                .setModel(ModelOverrides.newBuilder().setWidth(60).setHeads(8))
                .setOptimizer(spec().getOptimizer().toBuilder()
                        .putHyperparameters("beta1", 1.5)
                        .putHyperparameters("momentum", 0.9))
                .setSchedule(Schedule.newBuilder().setTotalSteps(50)
                        .setPiecewiseLinear(PiecewiseLinearFamily.newBuilder()
                                .addKnots(ScheduleKnot.newBuilder().setStep(10).setLr(1e-3))
                                .addKnots(ScheduleKnot.newBuilder().setStep(5).setLr(1e-4))))
                .build()));

        assertThat(refused.violations()).extracting(Violation::field).containsExactlyInAnyOrder(
                "spec.model.heads",
                "spec.optimizer.hyperparameters[\"beta1\"]",
                "spec.optimizer.hyperparameters[\"momentum\"]",
                "spec.schedule.piecewise_linear.knots[1].step",
                "spec.schedule.total_steps");
    }

    @Test
    void everyAlgorithmOfTheCatalogIsPlannedWithItsOwnHyperparameters() {
        RunPlan lion = PLANNER.plan(spec().setOptimizer(spec().getOptimizer().toBuilder().setAlgorithm("lion")
                .putHyperparameters("beta2", 0.98)).build());
        assertThat(lion.optimizer()).isEqualTo(OptimizerSettings.of("lion", Map.of("beta2", 0.98), 0.05));
        for (String algorithm : RunPlanner.ALGORITHMS) {
            assertThat(PLANNER.plan(spec().setOptimizer(spec().getOptimizer().toBuilder().setAlgorithm(algorithm))
                    .build()).optimizer().algorithm().name()).isEqualTo(algorithm);
        }
        // Each algorithm reads only its own hyper-parameters: SGD has none, RMSProp has no beta1.
        InvalidRequestException sgd = catchThrowableOfType(InvalidRequestException.class, () -> PLANNER.plan(spec()
                .setOptimizer(spec().getOptimizer().toBuilder().setAlgorithm("sgd").putHyperparameters("beta1", 0.9))
                .build()));
        assertThat(sgd.violations()).containsExactly(new Violation("spec.optimizer.hyperparameters[\"beta1\"]",
                "sgd has no hyper-parameter 'beta1'; it reads [] (weight decay is spec.optimizer.weight_decay)"));
        InvalidRequestException momentum = catchThrowableOfType(InvalidRequestException.class, () -> PLANNER.plan(
                spec().setOptimizer(spec().getOptimizer().toBuilder().setAlgorithm("momentum")
                        .putHyperparameters("momentum", 1.5)).build()));
        assertThat(momentum.violations()).extracting(Violation::field)
                .containsExactly("spec.optimizer.hyperparameters[\"momentum\"]");
    }

    @Test
    void unknownNamesAndTooLongRowsAreRefused() {
        InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class, () -> PLANNER.plan(spec()
                .setModelPreset("gigantic").setOptimizer(spec().getOptimizer().toBuilder().setAlgorithm("adamz"))
                .build()));
        assertThat(refused.violations()).extracting(Violation::field)
                .containsExactly("spec.model_preset", "spec.optimizer.algorithm");
        assertThat(refused.violations().get(0).description()).contains("[tiny, small, base]");
        assertThat(refused.violations().get(1).description()).contains("supported: [sgd, momentum, adam, adamw, nesterov,");

        InvalidRequestException tooLong = catchThrowableOfType(InvalidRequestException.class,
                () -> PLANNER.plan(spec().setSequenceLength(65).build()));
        assertThat(tooLong.violations()).containsExactly(
                new Violation("spec.sequence_length", "65 exceeds the model's context of 64"));

        InvalidRequestException rope = catchThrowableOfType(InvalidRequestException.class, () -> PLANNER.plan(spec()
                .setModel(ModelOverrides.newBuilder().setWidth(36).setHeads(4)
                        .setPositionEncoding(PositionEncoding.POSITION_ENCODING_ROPE))
                .build()));
        assertThat(rope.violations()).extracting(Violation::field).containsExactly("spec.model.position_encoding");
    }

    @Test
    void aDataDirectoryIsReadAndAPathWithoutEnoughTextIsRefused(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            text.append("line ").append(i).append(" of a small corpus that is long enough to sample from\n");
        }
        Files.writeString(dir.resolve("a.txt"), text, StandardCharsets.UTF_8);
        RunPlan plan = PLANNER.plan(spec().setDataset(DatasetSpec.newBuilder().setPath(dir.toString())).build());
        assertThat(plan.dataset().name()).isEqualTo(dir.toString());
        assertThat(plan.dataset().corpus().trainLines() + plan.dataset().corpus().validationLines()).isEqualTo(400);

        Path small = Files.writeString(dir.resolve("small.txt"), "too short\n", StandardCharsets.UTF_8);
        InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class,
                () -> PLANNER.plan(spec().setDataset(DatasetSpec.newBuilder().setPath(small.toString())).build()));
        assertThat(refused.violations()).extracting(Violation::field).containsExactly("spec.dataset.path");
        assertThat(refused.violations().get(0).description()).contains("fewer than one window of 65");
    }

    @Test
    void remotePlacementAndAMissingGpuAreRefusedAfterTheFields() {
        RunException remote = catchThrowableOfType(RunException.class, () -> PLANNER.plan(spec()
                .setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE).build()));
        assertThat(remote.problem()).isEqualTo(RunException.Problem.NOT_SUPPORTED);
        assertThat(remote.getMessage()).contains("no replica configured");
        assertThat(new RunPlanner(new RunDefaults("cpu", 8, 10, 3, 3.0, 2)).plan(spec()
                .setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE).build()).remoteOptimizer())
                .isTrue();
        RunException lossAware = catchThrowableOfType(RunException.class,
                () -> new RunPlanner(new RunDefaults("cpu", 8, 10, 3, 3.0, 2)).plan(spec()
                        .setOptimizer(spec().getOptimizer().toBuilder().setAlgorithm("seed-adaptive"))
                        .setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE).build()));
        assertThat(lossAware.problem()).isEqualTo(RunException.Problem.NOT_SUPPORTED);
        assertThat(lossAware.getMessage()).contains("seed-adaptive follows the training loss");

        // The tests run the CPU-only PyTorch build: there is never a GPU.
        RunException gpu = catchThrowableOfType(RunException.class,
                () -> PLANNER.plan(spec().setDevice("gpu").build()));
        assertThat(gpu.problem()).isEqualTo(RunException.Problem.DEVICE_UNAVAILABLE);
        assertThat(gpu.metadata()).containsEntry("field", "spec.device");
        assertThat(PLANNER.plan(spec().setDevice("auto").build()).device()).isEqualTo(Device.cpu());

        InvalidRequestException both = catchThrowableOfType(InvalidRequestException.class, () -> PLANNER.plan(spec()
                .setModelPreset("nope").setDevice("gpu").build()));
        assertThat(both.violations()).extracting(Violation::field).containsExactly("spec.model_preset");
    }
}
