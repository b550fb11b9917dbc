"""The strict pydantic base of every scenario model."""

from __future__ import annotations

import typing
from functools import cache
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)


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

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value, info: ValidationInfo):
        """``true``/``false`` where a number (or a list of numbers) belongs is refused: pydantic
        would read ``days: true`` as 1 day and plan it silently."""
        if _holds_bool(value) and not _takes_bool(cls.model_fields[info.field_name].annotation):
            raise ValueError("must be a number, not true/false")
        return value


def _holds_bool(value) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, bool) for v in value)
    return False


@cache
def _takes_bool(annotation) -> bool:
    """Whether ``bool`` appears anywhere in a field's type (``bool``, ``bool | None``...)."""
    if annotation is bool:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True  # a sub-model's mapping: its own fields' validators check its numbers
    return any(_takes_bool(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)


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

#: Largest amount of money in any one rate, fee or penalty (workforce currency). A plan's cost
#: is hourly cost x paid hours: at most 1e9 x (10 million contacts a day x 86,400 s handle time
#: / 3,600 s, over 1,096 days) ~ 1e23, far from float overflow (1.8e308); a cost of 1e308 per
#: hour would report an infinite cost.
MAX_AMOUNT = 1e9

#: Money: a finite amount in [0, 1e9].
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]

#: An occupancy cap: a fraction in [0.05, 1].
OccupancyCap = Annotated[float, AfterValidator(_occupancy_cap)]
