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


# AdafactorTest: lr 0.01, weight decay 0.1, transformers' Adafactor with relative_step off.
ADAFACTOR_MATRIX = [[0.5, -0.3, 0.8], [-0.2, 0.1, 0.4]]
ADAFACTOR_GRADIENTS = [
    [[0.5, -1.0, 0.1], [0.2, 0.05, -0.4]],
    [[0.25, 0.75, -0.2], [-0.6, 0.3, 0.1]],
    [[-0.3, 0.2, 0.05], [0.1, -0.2, 0.7]],
    [[0.1, -0.4, 0.3], [0.4, 0.2, -0.1]],
]


def rms(x):
    return np.linalg.norm(x) / np.sqrt(x.size)


def adafactor(p, gradients, lr=0.01, wd=0.1, eps1=1e-30, eps2=1e-3, d=1.0, c=-0.8,
              scale_parameter=False):
    p = np.array(p, dtype=np.float64)
    factored = p.ndim >= 2
    if factored:
        row = np.zeros(p.shape[:-1])
        col = np.zeros(p.shape[:-2] + p.shape[-1:])
    else:
        v = np.zeros(p.shape)
    rows = []
    for t, g in enumerate(gradients, start=1):
        g = f32(g)
        alpha = lr * (max(eps2, rms(p)) if scale_parameter else 1.0)
        beta2t = 1.0 - t**c
        u = g * g + eps1
        if factored:
            row = beta2t * row + (1 - beta2t) * u.mean(axis=-1)
            col = beta2t * col + (1 - beta2t) * u.mean(axis=-2)
            r_factor = 1 / np.sqrt(row / row.mean(axis=-1, keepdims=True))
            c_factor = 1 / np.sqrt(col)
            u = r_factor[..., :, None] * c_factor[..., None, :] * g
        else:
            v = beta2t * v + (1 - beta2t) * u
            u = g / np.sqrt(v)
        u = u / max(rms(u) / d, 1.0)
        p = p - wd * alpha * p - alpha * u
        rows.append(p)
    return rows


print("// AdafactorTest")
java("MATRIX", adafactor(ADAFACTOR_MATRIX, ADAFACTOR_GRADIENTS))
java("MATRIX_SCALED_CLIPPED", adafactor(ADAFACTOR_MATRIX, ADAFACTOR_GRADIENTS, d=0.5,
                                        scale_parameter=True))
java("VECTOR", adafactor(np.ravel(ADAFACTOR_MATRIX), [np.ravel(g) for g in ADAFACTOR_GRADIENTS]))
# a [2, 2, 3] tensor: the matrix above, then a second one with its own gradients (the next
# step's, halved); each 2 x 3 slice keeps its own row and column statistics
SECOND_MATRIX = [[0.3, 0.6, -0.1], [0.2, -0.7, 0.05]]
java("BATCHED", adafactor(
    [ADAFACTOR_MATRIX, SECOND_MATRIX],
    [[g, 0.5 * np.array(ADAFACTOR_GRADIENTS[(t + 1) % 4])]
     for t, g in enumerate(ADAFACTOR_GRADIENTS)]))


# ScheduleFreeAdamWTest: AdamWScheduleFreeReference's step, the schedule's lr given per step (a
# two-step warmup to 0.01, so lr_max and the weights move), weight decay 0.1.
SF_GRADIENTS = [[0.5, -1.0, 0.1], [0.25, 0.75, -0.2], [-0.3, 0.2, 0.05], [0.1, -0.4, 0.3],
                [0.6, 0.3, -0.5]]
SF_LRS = [0.005, 0.01, 0.01, 0.01, 0.01]


def schedule_free(wd=0.1, beta1=0.9, beta2=0.999, eps=1e-8, r=0.0, weight_lr_power=2.0,
                  decay_at_z=False):
    y = np.array([1.0, -0.5, 0.25])
    z = y.copy()
    x = y.copy()
    v = np.zeros(3)
    lr_max, weight_sum = -1.0, 0.0
    ys, xs, zs = [], [], []
    for t, (g, sched_lr) in enumerate(zip(SF_GRADIENTS, SF_LRS), start=1):
        g = f32(g)
        lr = sched_lr * np.sqrt(1 - beta2**t)
        lr_max = max(lr, lr_max)
        weight = t**r * lr_max**weight_lr_power
        weight_sum += weight
        ckp1 = weight / weight_sum if weight_sum != 0 else 0.0
        z = z - lr * wd * (z if decay_at_z else y)
        v = beta2 * v + (1 - beta2) * g * g
        z = z - lr * g / (np.sqrt(v) + eps)
        x = (1 - ckp1) * x + ckp1 * z
        y = beta1 * x + (1 - beta1) * z
        ys.append(y)
        xs.append(x)
        zs.append(z)
    return ys, xs, zs


print("// ScheduleFreeAdamWTest")
ys, xs, zs = schedule_free()
java("Y", ys)
java("X", xs)
java("Z", zs)
ys, xs, zs = schedule_free(r=1.0, weight_lr_power=1.0, decay_at_z=True)
java("Y_VARIANT", ys)
java("X_VARIANT", xs)


# MuonTest: Keller Jordan's muon_update / adam_update (SingleDeviceMuonWithAuxAdam), lr 0.02,
# weight decay 0.1; the Newton-Schulz iteration in float64 here (bfloat16 in the reference).
MUON_START = [[0.5, -0.3, 0.8], [-0.2, 0.1, 0.4]]
MUON_GRADIENTS = ADAFACTOR_GRADIENTS


def newton_schulz(g, steps=5):
    a, b, c = 3.4445, -4.7750, 2.0315
    x = np.array(g)
    transpose = x.shape[-2] > x.shape[-1]
    if transpose:
        x = np.swapaxes(x, -1, -2)
    x = x / (np.linalg.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
    for _ in range(steps):
        A = x @ np.swapaxes(x, -1, -2)
        B = b * A + c * A @ A
        x = a * x + B @ x
    if transpose:
        x = np.swapaxes(x, -1, -2)
    return x


def muon(start, gradients, lr=0.02, wd=0.1, beta=0.95, nesterov=True, steps=5):
    p = np.array(start, dtype=np.float64)
    buf = np.zeros_like(p)
    rows = []
    for g in gradients:
        g = f32(g)
        buf = buf + (1 - beta) * (g - buf)
        u = g + beta * (buf - g) if nesterov else buf
        u = newton_schulz(u, steps) * max(1, p.shape[-2] / p.shape[-1]) ** 0.5
        p = p * (1 - lr * wd) - lr * u
        rows.append(p)
    return rows


def muon_adamw(start, gradients, lr=0.02, wd=0.1, betas=(0.9, 0.95), eps=1e-10, ratio=0.015):
    p = np.array(start, dtype=np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    rows = []
    lr = lr * ratio
    for t, g in enumerate(gradients, start=1):
        g = f32(g)
        m = m + (1 - betas[0]) * (g - m)
        v = v + (1 - betas[1]) * (g * g - v)
        u = (m / (1 - betas[0]**t)) / (np.sqrt(v / (1 - betas[1]**t)) + eps)
        p = p * (1 - lr * wd) - lr * u
        rows.append(p)
    return rows


print("// MuonTest")
java("WIDE", muon(MUON_START, MUON_GRADIENTS))
java("TALL", muon(np.transpose(MUON_START), [np.transpose(g) for g in MUON_GRADIENTS]))
java("PLAIN_MOMENTUM_THREE_STEPS", muon(MUON_START, MUON_GRADIENTS, nesterov=False, steps=3,
                                        beta=0.9))
java("VECTOR", muon_adamw(np.ravel(MUON_START), [np.ravel(g) for g in MUON_GRADIENTS]))
# the orthogonalised first update of the wide matrix: its singular values
print("// singular values after five iterations:",
      np.linalg.svd(newton_schulz(f32(MUON_GRADIENTS[0])), compute_uv=False))


# SeedAdaptiveTest: Adam (L2 weight decay 0.01) at lr 0.01 times the plateau scale times the
# late decay 0.8^(t - 4) after step 4; gradients clipped to norm 1 per tensor; the loss reported
# after each step; patience 1, factor 0.5, threshold 0.
SEED_GRADIENTS = [[0.5, -1.0, 0.1], [0.25, 0.75, -0.2], [-0.3, 0.2, 0.05], [1.2, -0.4, 0.3],
                  [0.6, 0.3, -0.5], [-2.0, 1.0, 0.5], [0.1, 0.1, -0.1]]
SEED_LOSSES = [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.8]


def seed_adaptive(lr=0.01, wd=0.01, beta1=0.9, beta2=0.999, eps=1e-8, max_norm=1.0, patience=1,
                  factor=0.5, threshold=0.0, decay_start=4, gamma=0.8):
    p = np.array([1.0, -0.5, 0.25])
    m = np.zeros(3)
    v = np.zeros(3)
    best, bad, scale = np.inf, 0, 1.0
    rows, scales = [], []
    for t, (g, loss) in enumerate(zip(SEED_GRADIENTS, SEED_LOSSES), start=1):
        g = f32(g)
        g = g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))
        step_lr = lr * scale * (gamma ** (t - decay_start) if t > decay_start else 1.0)
        g = g + wd * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p = p - step_lr / (1 - beta1**t) * m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps)
        rows.append(p)
        # ReduceLROnPlateau.step(loss), cooldown 0
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
        if bad > patience:
            scale, bad = scale * factor, 0
        scales.append(scale)
    return rows, scales


print("// SeedAdaptiveTest")
rows, scales = seed_adaptive()
java("PARAMETERS", rows)
print("    // scales after each report:", scales)
