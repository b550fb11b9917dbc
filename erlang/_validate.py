"""Argument checks shared by the public functions: one ``ValueError`` naming the argument.

Messages follow the scipy/SimPy style: the parameter name in backticks, the allowed range with
its unit, and the offending value (and its index for arrays). Invalid entries are never
replaced by NaN: a planner must see the problem, not a blank cell.
"""

from __future__ import annotations

import numpy as np

#: Longest mean patience [s] (one day), as in the scenario schema. Beyond it Erlang A is
#: Erlang C for any practical purpose, while its numerics lose accuracy (a patience of 1e16 s
#: gave 268 agents where the Erlang C limit needs 261): callers who never abandon are Erlang C
#: (``patience_s=None`` in ``required_agents``, or ``erlang_c_kpis``).
MAX_PATIENCE_S = 86_400.0


def as_patience(value) -> np.ndarray:
    """Mean patience [s]: finite, in (0, ``MAX_PATIENCE_S``]."""
    try:
        return as_float_array(
            "patience_s", value, unit="s", lower_inclusive=False, upper=MAX_PATIENCE_S
        )
    except ValueError as err:
        raise ValueError(f"{err} (callers who never abandon: use Erlang C)") from None


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    value = arr[idx] if arr.ndim else arr[()]
    where = f" at index {idx if len(idx) > 1 else idx[0]}" if arr.ndim else ""
    return f"got {float(value)!r}{where}"


def as_float_array(
    name: str,
    value,
    *,
    unit: str = "",
    lower: float = 0.0,
    lower_inclusive: bool = True,
    upper: float | None = None,
) -> np.ndarray:
    """``value`` as a float array, finite and within ``[lower, upper]`` (or ``(lower, upper]``)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a number or an array of numbers, got {value!r}"
        ) from None
    unit_txt = f" {unit}" if unit else ""
    op = ">=" if lower_inclusive else ">"
    rng = (
        f"{op} {lower:g}{unit_txt}"
        if upper is None
        else (
            f"in [{lower:g}, {upper:g}]{unit_txt}"
            if lower_inclusive
            else f"in ({lower:g}, {upper:g}]{unit_txt}"
        )
    )
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(arr) | ((arr < lower) if lower_inclusive else (arr <= lower))
        if upper is not None:
            bad |= arr > upper
    if bad.any():
        raise ValueError(f"`{name}` must be a finite number {rng}, {_first_bad(arr, bad)}")
    return arr


def as_agents(name: str, value) -> np.ndarray:
    """Agent counts: finite, >= 0 and integer-valued (returned as float for the math)."""
    arr = as_float_array(name, value, unit="agents")
    frac = arr != np.round(arr)
    if frac.any():
        raise ValueError(f"`{name}` must be a whole number of agents >= 0, {_first_bad(arr, frac)}")
    return arr


def as_fraction(name: str, value, *, allow_zero: bool = True) -> np.ndarray:
    """A share or probability: a fraction in [0, 1] (``(0, 1]`` without ``allow_zero``).

    A value such as 80 gets the hint to write 0.8 for 80%.
    """
    try:
        return as_float_array(name, value, upper=1.0, lower_inclusive=allow_zero)
    except ValueError as err:
        try:
            with np.errstate(invalid="ignore"):
                over = bool(np.any(np.asarray(value, dtype=float) > 1.0))
        except (TypeError, ValueError):
            over = False
        raise ValueError(f"{err}; use 0.8 for 80%" if over else str(err)) from None


def is_scalar(*values) -> bool:
    """True when every argument is a 0-d value: the caller then returns plain floats."""
    return all(np.ndim(v) == 0 for v in values)
