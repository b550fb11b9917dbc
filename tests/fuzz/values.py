"""Strategies for the fuzz suite: JSON-like values, and the default scenario with one change."""

from __future__ import annotations

import copy
from importlib import resources

import yaml
from hypothesis import strategies as st

DEFAULT_DATA = yaml.safe_load(
    resources.files("scenarios").joinpath("examples/default.yaml").read_text(encoding="utf-8")
)
DEFAULT_DATA["days"] = 3  # keep planning each case fast; mutations may change it

# Numbers a careless validator trips on: signs, zero, tiny, huge, inf and NaN, bools.
nasty_numbers = (
    st.sampled_from(
        [0, -1, 1, 0.5, 1e-300, -1e-300, 1e6, 10**6, 1e300, 10**30, float("inf"), float("-inf")]
        + [float("nan"), True, False, 2**63, -(2**63)]
    )
    | st.floats()
    | st.integers()
)

json_scalars = (
    st.none() | st.booleans() | nasty_numbers | st.text(max_size=12)
    | st.sampled_from(["", "24:00", "00:00", "25:99", "9:00", "2027-02-30", "2027-01-04"])
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every path (tuple of keys / indices) inside nested dicts and lists."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(DEFAULT_DATA)


@st.composite
def mutated_scenario_data(draw):
    """The default scenario with one value replaced or removed, or a field added."""
    data = copy.deepcopy(DEFAULT_DATA)
    path = draw(st.sampled_from(PATHS))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    op = draw(st.sampled_from(["replace", "replace", "replace", "remove", "add"]))
    if op == "replace":
        parent[key] = draw(json_values)
    elif op == "remove":
        del parent[key]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=10))] = draw(json_scalars)
    else:
        parent.append(draw(json_values))
    return data
