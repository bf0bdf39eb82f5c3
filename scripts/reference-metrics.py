"""Reference values for test/engine/quality.test.ts, from independent implementations of each metric:
FID with scipy.linalg.sqrtm (pytorch-fid's formula), KID as StyleGAN2-ADA's kernel_inception_distance computes
one subset holding every row, precision/recall/density/coverage as clovaai's prdc computes them (k = 3).
Run: python3 scripts/reference-metrics.py"""
import numpy as np
from scipy import linalg


def features(n, d, a, b, scale, shift):
    i = np.arange(n)[:, None]
    j = np.arange(d)[None, :]
    return (np.sin(a * i + b * j) * scale + shift * j / d).astype(np.float64)


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = linalg.sqrtm(s1.dot(s2))
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))


def kid_one_subset(x, y):
    n = x.shape[1]
    m = min(x.shape[0], y.shape[0])
    x, y = x[:m], y[:m]
    a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
    b = (x @ y.T / n + 1) ** 3
    return float(((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m)


def prdc(real, fake, k=3):
    def dist(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    def knn(a):
        d = dist(a, a)
        return np.partition(d, k, axis=-1)[:, :k + 1].max(axis=-1)
    rr, fr = knn(real), knn(fake)
    rf = dist(real, fake)
    return dict(
        precision=float((rf < rr[:, None]).any(axis=0).mean()),
        recall=float((rf < fr[None, :]).any(axis=1).mean()),
        density=float((1 / k) * (rf < rr[:, None]).sum(axis=0).mean()),
        coverage=float((rf.min(axis=1) < rr).mean()),
    )


real = features(12, 4, 1.3, 0.7, 1.0, 0.5)
fake = features(10, 4, 0.9, 1.1, 1.6, 0.2)
print('fid (d < n)', repr(fid(real, fake)))
print('kid (one subset of 10)', repr(kid_one_subset(real, fake)))
print('prdc', prdc(real, fake))
wide_real = features(6, 16, 1.3, 0.7, 1.0, 0.5)
wide_fake = features(5, 16, 0.9, 1.1, 1.6, 0.2)
print('fid (d > n)', repr(fid(wide_real, wide_fake)))
