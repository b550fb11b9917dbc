"""The strict pydantic base of every scenario model."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown fields are rejected (a misspelt ``aht_min`` must not be silently ignored),
    models are immutable, defaults are validated and attribute docstrings become field
    descriptions."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,  # "inf" / ".nan" in a file is a typo, never a rate or a duration
    )


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        hint = "; use 0.8 for 80%" if value > 1.0 else ""
        raise ValueError(f"must be a fraction in [0, 1], got {value:g}{hint}")
    return value


#: A share or probability in [0, 1]; 80 instead of 0.8 gets a hint.
Fraction = Annotated[float, AfterValidator(_fraction)]


def _occupancy_cap(value: float) -> float:
    if not MIN_OCCUPANCY_CAP <= value <= 1.0:
        hint = "; use 0.85 for 85%" if value > 1.0 else ""
        low = f"{MIN_OCCUPANCY_CAP:g}"
        raise ValueError(f"an occupancy cap must be a fraction in [{low}, 1], got {value:g}{hint}")
    return value


#: Lowest occupancy cap accepted: below it staffing would grow without any useful bound
#: (a cap of 1e-300 asks for 1e300 agents per erlang).
MIN_OCCUPANCY_CAP = 0.05

#: An occupancy cap: a fraction in [0.05, 1].
OccupancyCap = Annotated[float, AfterValidator(_occupancy_cap)]
