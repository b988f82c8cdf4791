package io.optimesh.law.curve;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A logged training-loss curve and the learning rate of every step that produced it.
 *
 * <p>{@code steps[i]} is the step after which {@code losses[i]} was logged; {@code lrs[s]} is the
 * learning rate used at step {@code s}, for every step from 0 (warmup included) to at least the last
 * logged step. Laws read the whole LR sequence and are evaluated at the logged steps.
 */
public final class LossCurve {

    /** Fewer points than this say nothing about a curve's shape. */
    public static final int MIN_POINTS = 3;

    private final String name;
    private final int[] steps;
    private final double[] losses;
    private final double[] lrs;

    private LossCurve(String name, int[] steps, double[] losses, double[] lrs) {
        this.name = name;
        this.steps = steps;
        this.losses = losses;
        this.lrs = lrs;
    }

    /**
     * Builds a curve, refusing it with every violation found.
     *
     * @throws CurveValidationException when the points or the LR sequence are unusable
     */
    public static LossCurve of(String name, int[] steps, double[] losses, double[] lrs) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(steps, "steps");
        Objects.requireNonNull(losses, "losses");
        Objects.requireNonNull(lrs, "lrs");
        List<CurveViolation> violations = validate(name, steps, losses, lrs);
        if (!violations.isEmpty()) {
            throw new CurveValidationException(violations);
        }
        return new LossCurve(name, steps.clone(), losses.clone(), lrs.clone());
    }

    static List<CurveViolation> validate(String name, int[] steps, double[] losses, double[] lrs) {
        List<CurveViolation> out = validatePoints(name, steps, losses);
        out.addAll(validateLrs(name, lrs, steps.length > 0 ? steps[steps.length - 1] : -1));
        return out;
    }

    static List<CurveViolation> validatePoints(String name, int[] steps, double[] losses) {
        List<CurveViolation> out = new ArrayList<>();
        if (steps.length != losses.length) {
            out.add(CurveViolation.of(name, "losses", -1,
                    "has " + losses.length + " values for " + steps.length + " steps"));
        }
        if (steps.length < MIN_POINTS) {
            out.add(CurveViolation.of(name, "points", -1,
                    "has " + steps.length + " points, at least " + MIN_POINTS + " are needed"));
        }
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 0) {
                out.add(CurveViolation.of(name, "steps", i, "step " + steps[i] + " is negative"));
            } else if (i > 0 && steps[i] <= steps[i - 1]) {
                out.add(CurveViolation.of(name, "steps", i, "step " + steps[i]
                        + " does not come after the previous step " + steps[i - 1]));
            }
        }
        for (int i = 0; i < losses.length; i++) {
            double loss = losses[i];
            if (!Double.isFinite(loss) || loss <= 0) {
                out.add(CurveViolation.of(name, "losses", i, "loss " + loss + " is not a positive finite number"));
            }
        }
        return out;
    }

    static List<CurveViolation> validateLrs(String name, double[] lrs, int lastStep) {
        List<CurveViolation> out = new ArrayList<>();
        for (int s = 0; s < lrs.length; s++) {
            double lr = lrs[s];
            if (!Double.isFinite(lr) || lr < 0) {
                out.add(CurveViolation.of(name, "lrs", s, "learning rate " + lr
                        + " at step " + s + " is not a non-negative finite number"));
            }
        }
        if (lastStep >= lrs.length) {
            out.add(CurveViolation.of(name, "lrs", -1, "covers steps 0.." + (lrs.length - 1)
                    + " but the curve logs step " + lastStep));
        }
        return out;
    }

    public String name() {
        return name;
    }

    public int size() {
        return steps.length;
    }

    public int step(int i) {
        return steps[i];
    }

    public double loss(int i) {
        return losses[i];
    }

    public int lastStep() {
        return steps[steps.length - 1];
    }

    public int[] steps() {
        return steps.clone();
    }

    public double[] losses() {
        return losses.clone();
    }

    /** The learning rate of every step from 0, warmup included. */
    public double[] lrs() {
        return lrs.clone();
    }

    public double minLoss() {
        double min = Double.POSITIVE_INFINITY;
        for (double loss : losses) {
            min = Math.min(min, loss);
        }
        return min;
    }

    @Override
    public String toString() {
        return "LossCurve[" + name + ", " + steps.length + " points, steps " + steps[0] + ".." + lastStep() + "]";
    }
}
