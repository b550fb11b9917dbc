"""Handle-time and patience distributions, all in seconds, all sampled in bulk.

Every sampler takes a ``numpy.random.Generator`` (never a global RNG) and returns an array of
durations [s]. Build them with the factory functions or ``make_distribution(name, ...)``.
Patience may be ``None``: the contact never abandons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KINDS = ("exponential", "lognormal", "gamma", "deterministic", "empirical")


@dataclass(frozen=True)
class Distribution:
    """A distribution of durations [s].

    Attributes
    ----------
    kind : one of ``KINDS``.
    mean_s : mean [s] (for ``empirical``, the mean of ``values_s``).
    cv : coefficient of variation (standard deviation / mean); 1 for exponential, 0 for
        deterministic, the sample CV for empirical.
    values_s : the values resampled by ``empirical`` [s].
    """

    kind: str
    mean_s: float
    cv: float = 1.0
    values_s: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown distribution {self.kind!r}; use one of {', '.join(KINDS)}")
        if not (np.isfinite(self.mean_s) and self.mean_s > 0):
            raise ValueError(
                f"{self.kind} `mean_s` must be a finite number > 0 s, got {self.mean_s!r}"
            )
        if not (np.isfinite(self.cv) and self.cv >= 0):
            raise ValueError(f"{self.kind} `cv` must be a finite number >= 0, got {self.cv!r}")
        if self.kind in ("lognormal", "gamma") and self.cv == 0:
            raise ValueError(f"{self.kind} `cv` must be > 0 (use deterministic for cv 0)")

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws [s]."""
        m, c = self.mean_s, self.cv
        if self.kind == "exponential":
            return rng.exponential(m, size)
        if self.kind == "lognormal":
            sigma2 = np.log1p(c * c)
            return rng.lognormal(np.log(m) - 0.5 * sigma2, np.sqrt(sigma2), size)
        if self.kind == "gamma":
            shape = 1.0 / (c * c)
            return rng.gamma(shape, m / shape, size)
        if self.kind == "deterministic":
            return np.full(size, m)
        return rng.choice(self.values_s, size)


def exponential(mean_s: float) -> Distribution:
    """Exponential with mean ``mean_s`` [s] (the Erlang models' assumption)."""
    return Distribution("exponential", float(mean_s), 1.0)


def lognormal(mean_s: float, cv: float) -> Distribution:
    """Lognormal with mean ``mean_s`` [s] and coefficient of variation ``cv``."""
    return Distribution("lognormal", float(mean_s), float(cv))


def gamma(mean_s: float, cv: float) -> Distribution:
    """Gamma with mean ``mean_s`` [s] and coefficient of variation ``cv``."""
    return Distribution("gamma", float(mean_s), float(cv))


def deterministic(value_s: float) -> Distribution:
    """Always ``value_s`` [s]."""
    return Distribution("deterministic", float(value_s), 0.0)


def empirical(values_s) -> Distribution:
    """Resample the given durations [s] with replacement (e.g. observed handle times)."""
    values = np.array(values_s, dtype=float).ravel()  # a read-only copy: immutable
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("empirical `values_s` must be a non-empty list of finite durations > 0 s")
    values.flags.writeable = False
    mean = float(values.mean())
    return Distribution("empirical", mean, float(values.std() / mean), values)


def make_distribution(name: str, **params) -> Distribution | None:
    """Build a distribution from its name: ``"none"`` gives ``None`` (never abandons).

    >>> make_distribution("lognormal", mean_s=300, cv=0.8).kind
    'lognormal'
    """
    factories = {
        "exponential": exponential,
        "lognormal": lognormal,
        "gamma": gamma,
        "deterministic": deterministic,
        "empirical": empirical,
    }
    if name == "none":
        return None
    if name not in factories:
        raise ValueError(f"unknown distribution {name!r}; use one of {', '.join(KINDS)} or 'none'")
    try:
        return factories[name](**params)
    except TypeError as err:
        raise ValueError(f"distribution {name!r}: {err}") from None
