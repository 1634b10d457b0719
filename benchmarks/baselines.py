"""The straightforward implementations that the course's vectorised or exact code replaces.

Each pair computes the same quantity; ``bench.py`` times both and prints the ratio, so the README's
claims ("sufficient statistics", "running sums", "exact, not Monte Carlo", "one thread") stay measured.
"""

import numpy as np
from threadpoolctl import threadpool_limits

from course import recursive


def accumulate_by_concatenation(d, T, n_iterations, *, n_runs, sigma=1.0, seed=0):
    """Accumulate by refitting least squares on the growing concatenated data set, run by run."""
    rng = np.random.default_rng(seed)
    errors = np.empty((n_runs, n_iterations))
    for run in range(n_runs):
        w0 = rng.standard_normal(d) / np.sqrt(d)
        X = rng.standard_normal((T, d))
        w, Xs, ys = w0, [], []
        for i in range(n_iterations):
            Xs.append(X)
            ys.append(X @ w + sigma * rng.standard_normal(T))
            w = np.linalg.lstsq(np.vstack(Xs), np.concatenate(ys), rcond=None)[0]
            errors[run, i] = np.sum((w - w0) ** 2)
    return errors


def gaussian_chain_raw_samples(n_generations, n_samples, *, n_chains, seed=0):
    """Draw every sample of every generation and refit, instead of sampling the sufficient statistics."""
    rng = np.random.default_rng(seed)
    means, variances = np.zeros((n_chains, n_generations + 1)), np.ones((n_chains, n_generations + 1))
    for g in range(n_generations):
        x = rng.normal(means[:, g, None], np.sqrt(variances[:, g, None]), (n_chains, n_samples))
        means[:, g + 1], variances[:, g + 1] = x.mean(axis=1), x.var(axis=1, ddof=1)
    return means, variances


def survivors_by_monte_carlo(p, n_samples, n_generations, *, n_chains, seed=0):
    """Estimate the expected number of surviving categories by simulating chains."""
    probs = recursive.categorical_chain(p, n_samples, n_generations, n_chains=n_chains, seed=seed)
    return recursive.surviving_categories(probs).mean(axis=0)


def with_threads(n_threads, function, *args, **kwargs):
    """Run ``function`` with ``n_threads`` BLAS threads (and torch threads, if torch is loaded)."""
    import sys

    torch = sys.modules.get("torch")
    previous = torch.get_num_threads() if torch else None
    with threadpool_limits(n_threads):
        if torch:
            torch.set_num_threads(n_threads)
        try:
            return function(*args, **kwargs)
        finally:
            if torch:
                torch.set_num_threads(previous)
