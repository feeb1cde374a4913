"""DevBench's model-human comparison (Tan et al. 2024, alvinwmtan/dev-bench comparison/stats-helper.R),
re-implemented with numpy/scipy.

Image-choice tasks (lexical: visual vocabulary; syntactic: TROG): per trial the model's score for each
of the candidate images becomes a distribution softmax(beta * scores); its divergence from the human
response proportions is KL(human || model) (natural log, 0 log 0 = 0), averaged over the trials; beta
is fitted per age group to minimise that mean within [0.025, 40] (DevBench uses nloptr's DIRECT-L
with 200 evaluations; here a log-spaced grid then a bounded scalar refinement, which reaches the
same minimum up to the optimiser's tolerance). Lower D*_KL = more human-like.

Semantic task (THINGS): the representational similarity (`rsa`) of the model's pairwise image
similarities with the human similarity matrix: Spearman's rho over the lower triangles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BETA_BOUNDS = (0.025, 40.0)


def softmax(scores: Sequence[Sequence[float]], beta: float) -> list[list[float]]:
    import numpy as np

    x = beta * np.asarray(scores, dtype=np.float64)
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return (e / e.sum(axis=1, keepdims=True)).tolist()


def mean_kl(human: Sequence[Sequence[float]], model: Sequence[Sequence[float]]) -> float:
    """Mean over trials of KL(human || model); human rows are proportions (normalised here)."""
    import numpy as np

    p = np.asarray(human, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    q = np.asarray(model, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return float(terms.sum(axis=1).mean())


def fitted_kl(human: Sequence[Sequence[float]], scores: Sequence[Sequence[float]]) -> tuple[float, float]:
    """(D*_KL, beta): the smallest mean KL over beta in BETA_BOUNDS, and the beta that gives it."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    lo, hi = BETA_BOUNDS

    def f(b: float) -> float:
        return mean_kl(human, softmax(scores, b))

    grid = np.geomspace(lo, hi, 200)
    vals = [f(b) for b in grid]
    k = int(np.argmin(vals))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best_beta, best = float(grid[k]), float(vals[k])
    if b > a:
        r = minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": 1e-6})
        if r.success and r.fun < best:
            best_beta, best = float(r.x), float(r.fun)
    return best, best_beta


def rsa(model_sims: Any, human_sims: Any) -> float:
    """DevBench's representational similarity: Spearman's rho between the strictly lower triangles of
    the two similarity matrices (pairs where either is NaN left out, as R's pairwise.complete.obs)."""
    import numpy as np
    from scipy.stats import spearmanr

    a, b = np.asarray(model_sims, dtype=np.float64), np.asarray(human_sims, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"similarity matrices must be square and alike, got {a.shape} and {b.shape}")
    rows, cols = np.tril_indices(a.shape[0], k=-1)
    x, y = a[rows, cols], b[rows, cols]
    keep = np.isfinite(x) & np.isfinite(y)
    return float(spearmanr(x[keep], y[keep])[0])


def cosine_similarities(embeddings: Any) -> Any:
    """The pairwise cosine similarity matrix of row vectors."""
    import numpy as np

    e = np.asarray(embeddings, dtype=np.float64)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    return e @ e.T
