"""Handle-time and patience distributions as they appear in scenario files (seconds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from ._base import StrictModel

if TYPE_CHECKING:  # parsing a scenario must not import SimPy
    from simulator import Distribution


#: Longest handle time or patience [s]: one day.
MAX_DURATION_S = 86_400.0


class DistributionSpec(StrictModel):
    """A duration distribution [s]: ``kind`` with ``mean_s`` and, where it applies, ``cv``."""

    kind: Literal["exponential", "lognormal", "gamma", "deterministic", "empirical"] = "exponential"
    """Shape of the distribution."""
    mean_s: float | None = Field(default=None, gt=0, le=MAX_DURATION_S)
    """Mean [s] (not used by ``empirical``, which takes the mean of ``values_s``)."""
    cv: float | None = Field(default=None, gt=0, le=10)
    """Coefficient of variation (standard deviation / mean) for lognormal and gamma."""
    values_s: tuple[float, ...] | None = None
    """Observed durations [s] resampled by ``empirical``."""

    @model_validator(mode="after")
    def _complete(self):
        if self.kind == "empirical":
            if not self.values_s:
                raise ValueError("an empirical distribution needs `values_s` (observed durations)")
            bad = next((v for v in self.values_s if not 0 < v <= MAX_DURATION_S), None)
            if bad is not None:  # the cap of `mean_s` holds for every observed value too
                raise ValueError(
                    f"empirical `values_s` must all be in (0, {MAX_DURATION_S:,.0f}] s, got {bad:g}"
                )
        elif self.mean_s is None:
            raise ValueError(f"a {self.kind} distribution needs `mean_s` (seconds)")
        if self.kind in ("lognormal", "gamma") and self.cv is None:
            raise ValueError(f"a {self.kind} distribution needs `cv` (e.g. 0.8)")
        return self

    @property
    def mean(self) -> float:
        """Mean [s]."""
        if self.kind == "empirical":
            return sum(self.values_s) / len(self.values_s)
        return float(self.mean_s)

    def to_simulator(self) -> Distribution:
        """The simulator's sampler for this distribution (imports the simulator only here)."""
        from simulator import make_distribution

        params = {
            "exponential": {"mean_s": self.mean_s},
            "lognormal": {"mean_s": self.mean_s, "cv": self.cv},
            "gamma": {"mean_s": self.mean_s, "cv": self.cv},
            "deterministic": {"value_s": self.mean_s},
            "empirical": {"values_s": self.values_s},
        }[self.kind]
        return make_distribution(self.kind, **params)
