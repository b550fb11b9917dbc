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
    )


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        hint = "; use 0.8 for 80%" if value > 1.0 else ""
        raise ValueError(f"must be a fraction in [0, 1], got {value:g}{hint}")
    return value


#: A share or probability in [0, 1]; 80 instead of 0.8 gets a hint.
Fraction = Annotated[float, AfterValidator(_fraction)]
