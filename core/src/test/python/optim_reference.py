"""Expected values for the update-rule tests in io.optimesh.core.optim, in float64 numpy.

Each function follows the published algorithm (paper / reference code) independently of the Java
rules, which run in fp32; the tests compare within fp32 rounding. Run: python3 optim_reference.py
and paste the printed literals into the test named in each section.
"""
import numpy as np


def java(name, rows):
    """Prints a double[][] literal, one row per step."""
    print(f"    private static final double[][] {name} = {{")
    for row in rows:
        print("        {" + ", ".join(repr(float(x)) for x in np.ravel(row)) + "},")
    print("    };")


def f32(values):
    """The gradients as the fp32 rule receives them."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


# LambTest: one tensor of three, lr 0.01, weight decay 0.1, eps 1e-6 (the defaults).
LAMB_GRADIENTS = [[0.5, -1.0, 0.1], [0.25, 0.75, -0.2], [-0.3, 0.2, 0.05], [0.1, -0.4, 0.3]]


def lamb(wd, always_adapt=False, trust_clip=False, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-6):
    p = np.array([1.0, -0.5, 0.25])
    m = np.zeros(3)
    v = np.zeros(3)
    rows = []
    for t, g in enumerate(LAMB_GRADIENTS, start=1):
        g = f32(g)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        u = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        u = u + wd * p
        if wd != 0 or always_adapt:
            w_norm, u_norm = np.linalg.norm(p), np.linalg.norm(u)
            r = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
            if trust_clip:
                r = min(r, 1.0)
            u = u * r
        p = p - lr * u
        rows.append(p)
    return rows


print("// LambTest")
java("DECAYED", lamb(0.1))
java("UNDECAYED", lamb(0.0))
java("ALWAYS_ADAPTED", lamb(0.0, always_adapt=True))
java("TRUST_CLIPPED", lamb(0.1, trust_clip=True))
