package io.optimesh.law.fit;

import io.optimesh.law.model.Parameter;
import java.util.List;

/**
 * Maps unbounded optimiser coordinates u to bounded parameters: {@code p = lo + (hi - lo) s(u)} with
 * s the logistic function, on a log scale for log-scaled parameters. Least-squares optimisers without
 * bounds (Levenberg-Marquardt) then stay inside the bounds by construction, and log-scaled parameters
 * move by factors rather than by steps.
 */
final class BoundedParameters {

    /** Keeps starts off the bounds, where the logistic map is flat. */
    private static final double EDGE = 1e-9;

    private final Parameter[] parameters;

    BoundedParameters(List<Parameter> parameters) {
        this.parameters = parameters.toArray(Parameter[]::new);
    }

    int size() {
        return parameters.length;
    }

    Parameter get(int j) {
        return parameters[j];
    }

    /** Natural values from unbounded coordinates. */
    double[] toNatural(double[] u) {
        double[] p = new double[u.length];
        for (int j = 0; j < u.length; j++) {
            Parameter par = parameters[j];
            double s = logistic(u[j]);
            p[j] = par.logScale()
                    ? Math.exp(Math.log(par.lower()) + s * (Math.log(par.upper()) - Math.log(par.lower())))
                    : par.lower() + s * (par.upper() - par.lower());
            p[j] = Math.min(Math.max(p[j], par.lower()), par.upper());
        }
        return p;
    }

    /** dp_j / du_j at u, with p = toNatural(u). */
    double[] slopes(double[] u, double[] p) {
        double[] slope = new double[u.length];
        for (int j = 0; j < u.length; j++) {
            Parameter par = parameters[j];
            double s = logistic(u[j]);
            double ds = s * (1 - s);
            slope[j] = par.logScale()
                    ? p[j] * (Math.log(par.upper()) - Math.log(par.lower())) * ds
                    : (par.upper() - par.lower()) * ds;
        }
        return slope;
    }

    /** Unbounded coordinates of natural values (clamped just inside the bounds). */
    double[] toUnbounded(double[] p) {
        double[] u = new double[p.length];
        for (int j = 0; j < p.length; j++) {
            Parameter par = parameters[j];
            double f = par.logScale()
                    ? (Math.log(p[j]) - Math.log(par.lower())) / (Math.log(par.upper()) - Math.log(par.lower()))
                    : (p[j] - par.lower()) / (par.upper() - par.lower());
            f = Math.min(Math.max(f, EDGE), 1 - EDGE);
            u[j] = Math.log(f / (1 - f));
        }
        return u;
    }

    /** A point of the start box from unit-cube coordinates, uniform on each parameter's scale. */
    double[] startFromUnit(double[] unit) {
        double[] p = new double[unit.length];
        for (int j = 0; j < unit.length; j++) {
            Parameter par = parameters[j];
            p[j] = par.logScale()
                    ? Math.exp(Math.log(par.startLower()) + unit[j] * (Math.log(par.startUpper()) - Math.log(par.startLower())))
                    : par.startLower() + unit[j] * (par.startUpper() - par.startLower());
        }
        return p;
    }

    private static double logistic(double u) {
        return u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u));
    }
}
