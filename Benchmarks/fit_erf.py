# Fit erf(x) = x * P(x^2) / Q(x^2) on [0, XMAX], Q(0) = 1, minimax via iterated weighted LSQ.
import numpy as np, math
XMAX = 3.92  # erf(x) rounds to 1 in float32 beyond ~3.92
x = np.concatenate([np.linspace(1e-4, XMAX, 20000)])
f = np.array([math.erf(v) for v in x])
t = x * x
import sys; np_, nq = int(sys.argv[1]), int(sys.argv[2])
w = np.ones_like(x)
Q = np.ones_like(x)
for it in range(60):
    # f*Q = x*P  ->  x*P - f*(Q-1) = f ; linearize with 1/Qold weights
    A = np.concatenate([np.stack([x * t**i for i in range(np_)], 1), np.stack([-f * t**j for j in range(1, nq + 1)], 1)], 1)
    ww = w / Q
    c, *_ = np.linalg.lstsq(A * ww[:, None], f * ww, rcond=None)
    p, q = c[:np_], np.concatenate([[1.0], c[np_:]])
    P = sum(p[i] * t**i for i in range(np_)); Q = sum(q[j] * t**j for j in range(nq + 1))
    err = x * P / Q - f
    w = w * (1 + 3 * np.abs(err) / np.abs(err).max()) ** 0.5  # push toward equi-ripple (Lawson-like)
    w /= w.mean()
print("max abs err (f64 eval):", np.abs(err).max())
# float32 Horner evaluation
p32 = p.astype(np.float32); q32 = q.astype(np.float32)
xs = np.linspace(0, 5, 200001).astype(np.float32)
xc = np.minimum(xs, np.float32(XMAX)); tt = xc * xc
P = np.float32(0); Qv = np.float32(0)
P = np.zeros_like(tt); 
for i in reversed(range(np_)): P = P * tt + p32[i]
Qv = np.zeros_like(tt)
for j in reversed(range(nq + 1)): Qv = Qv * tt + q32[j]
y = np.minimum(xc * P / Qv, np.float32(1))
ref = np.array([math.erf(float(v)) for v in xs])
e = np.abs(y.astype(np.float64) - ref)
print("max abs err (f32 eval):", e.max(), "at", xs[e.argmax()], " ulps near 1:", e.max() / 2**-24)
print("P =", [float(v) for v in p32]); print("Q =", [float(v) for v in q32])
