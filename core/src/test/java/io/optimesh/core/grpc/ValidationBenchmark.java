package io.optimesh.core.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawParameter;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Tensor;
import io.optimesh.v1.TensorDType;
import io.optimesh.v1.Warmup;
import java.util.List;
import java.util.Locale;

/**
 * What the global {@link ValidatingServerInterceptor} costs on the largest requests the mesh sends: a
 * FitLaw of three 24k-step curves with explicit per-step LRs, a PredictCurve of a 72k-step explicit
 * schedule (and of the 72k-step cosine that {@code optimesh bench law} predicts), and an ApplyUpdates
 * shard of 3.3M F32 gradients. Per message it prints the best of several validations beside the best
 * of as many parses of the same bytes (the cost gRPC pays anyway), and their ratio.
 *
 * <p>A main, not a test: timings on a shared machine are too noisy to assert. Run it on core's test
 * classpath, e.g. {@code java -cp core/target/test-classes:core/target/classes:$(cat cp.txt)
 * io.optimesh.core.grpc.ValidationBenchmark [repeats]}.
 */
public final class ValidationBenchmark {

    private ValidationBenchmark() {
    }

    public static void main(String[] args) throws InvalidProtocolBufferException {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        ValidatingServerInterceptor interceptor = new ValidatingServerInterceptor();
        System.out.printf(Locale.ROOT, "%-34s %10s %12s %12s %8s%n", "message", "bytes", "validate ms", "parse ms",
                "ratio");
        for (Message message : messages()) {
            if (interceptor.validate(message).isPresent()) {
                throw new IllegalStateException(message.getDescriptorForType().getName() + " should be valid: "
                        + interceptor.validate(message).get().getStatus());
            }
            byte[] bytes = message.toByteArray();
            double validate = Double.POSITIVE_INFINITY;
            double parse = Double.POSITIVE_INFINITY;
            for (int rep = 0; rep < repeats; rep++) {
                long start = System.nanoTime();
                interceptor.validate(message);
                validate = Math.min(validate, (System.nanoTime() - start) / 1e6);
                start = System.nanoTime();
                message.getParserForType().parseFrom(bytes);
                parse = Math.min(parse, (System.nanoTime() - start) / 1e6);
            }
            System.out.printf(Locale.ROOT, "%-34s %10d %12.3f %12.3f %8.2f%n", label(message), bytes.length, validate,
                    parse, validate / parse);
        }
    }

    static List<Message> messages() {
        return List.of(fitLaw(), predict(explicit(72_000)), predict(cosine72k()), applyUpdates(3_300_000));
    }

    private static String label(Message message) {
        String name = message.getDescriptorForType().getName();
        if (message instanceof PredictCurveRequest p) {
            return name + " (" + p.getSchedule().getFamilyCase().name().toLowerCase(Locale.ROOT) + ")";
        }
        return name;
    }

    /** Three MPL-sized curves: 24k explicit per-step LRs each and a logged point every 16 steps. */
    static FitLawRequest fitLaw() {
        FitLawRequest.Builder request = FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_MULTI_POWER);
        for (int c = 0; c < 3; c++) {
            Schedule schedule = explicit(24_000 - 16 * c);
            LabeledCurve.Builder curve = LabeledCurve.newBuilder().setName("400/curve_" + c).setSchedule(schedule);
            for (int step = 2160; step < schedule.getTotalSteps(); step += 16) {
                curve.addPoints(CurvePoint.newBuilder().setStep(step).setLoss(3.3 + 2 / Math.sqrt(step))
                        .setLearningRate(schedule.getExplicit().getLrs(step)));
            }
            request.addCurves(curve);
        }
        return request.build();
    }

    /** The MPL runs' cosine, 0 -> 3e-4 over 2160 steps then down to 3e-5, as an explicit list. */
    static Schedule explicit(int total) {
        ExplicitFamily.Builder lrs = ExplicitFamily.newBuilder();
        int warmup = 2160;
        for (int s = 0; s < total; s++) {
            lrs.addLrs(s < warmup ? 3e-4 * s / warmup
                    : 3e-5 + 1.35e-4 * (1 + Math.cos(Math.PI * (s - warmup) / (total - warmup))));
        }
        return Schedule.newBuilder().setTotalSteps(total).setExplicit(lrs).build();
    }

    private static Schedule cosine72k() {
        return Schedule.newBuilder().setTotalSteps(72_000).setPeakLr(3e-4).setMinLr(3e-5)
                .setWarmup(Warmup.newBuilder().setSteps(2160)).setCosine(CosineFamily.getDefaultInstance()).build();
    }

    /** At every 128th step after warmup, as the law benchmark asks. */
    static PredictCurveRequest predict(Schedule schedule) {
        FittedLaw.Builder law = FittedLaw.newBuilder().setKind(LawKind.LAW_KIND_MULTI_POWER);
        for (String name : List.of("L0", "A", "alpha", "B", "C", "beta", "gamma")) {
            law.addParameters(LawParameter.newBuilder().setName(name).setValue(0.5));
        }
        for (int i = 0; i < 49; i++) {
            law.addCovariance(i % 8 == 0 ? 1e-4 : 0);
        }
        PredictCurveRequest.Builder request = PredictCurveRequest.newBuilder().setLaw(law).setSchedule(schedule)
                .setConfidence(0.9);
        for (long step = 2176; step < schedule.getTotalSteps(); step += 128) {
            request.addSteps(step);
        }
        return request.build();
    }

    /** One shard of F32 gradients. */
    static ApplyUpdatesRequest applyUpdates(int floats) {
        byte[] data = new byte[4 * floats];
        for (int i = 0; i < data.length; i += 4) {
            int bits = Float.floatToIntBits((float) Math.sin(i));
            data[i] = (byte) bits;
            data[i + 1] = (byte) (bits >>> 8);
            data[i + 2] = (byte) (bits >>> 16);
            data[i + 3] = (byte) (bits >>> 24);
        }
        return ApplyUpdatesRequest.newBuilder().setState("optimizerStates/bench").setStep(1).setLearningRate(3e-4)
                .addGradients(Tensor.newBuilder().setName("model.layers.0.mlp.weight").addShape(1100).addShape(3000)
                        .setDtype(TensorDType.TENSOR_D_TYPE_F32).setData(ByteString.copyFrom(data)))
                .setEndOfStep(true)
                .build();
    }
}
