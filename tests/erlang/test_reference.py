"""Every KPI against 50-digit mpmath references (``reference/make_reference.py``).

The bar is a relative error of at most 1e-9 for every KPI, from 1 to 100,000 agents, loads
from 0.01 to 50,000 erlangs, including the overloaded corner. ``atol=1e-300`` only absorbs
reference values below the double range (they underflow to 0 in doubles).
"""

from pathlib import Path

import numpy as np
import pytest

from erlang import erlang_a_kpis, erlang_b, erlang_c, erlang_c_kpis

REFERENCE = Path(__file__).parent / "reference"
RTOL = 1e-9


def load(name):
    data = np.genfromtxt(REFERENCE / name, delimiter=",", names=True, dtype=float)
    return {k: data[k] for k in data.dtype.names}


def assert_close(actual, expected, inputs, label):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.abs(actual - expected) / np.maximum(np.abs(expected), 1e-300)
    err = np.where(np.abs(actual - expected) <= 1e-300, 0.0, err)
    worst = np.argsort(err)[::-1][:5]
    report = "\n".join(
        f"  {', '.join(f'{k}={v[i]:.6g}' for k, v in inputs.items())}: "
        f"expected {expected[i]:.17g}, got {actual[i]:.17g}, rel err {err[i]:.2e}"
        for i in worst
        if err[i] > RTOL
    )
    assert np.all(err <= RTOL), f"{label}: worst rows\n{report}"


def test_erlang_b_and_c():
    ref = load("erlang_bc.csv")
    n, a = ref["agents"], ref["load_erlangs"]
    inputs = {"agents": n, "load": a}
    assert_close(erlang_b(n, a), ref["erlang_b"], inputs, "erlang_b")
    assert_close(erlang_c(n, a), ref["erlang_c"], inputs, "erlang_c")
    assert n.max() == 100_000 and a.min() == 0.01 and a.max() >= 50_000


C_FIELDS = ("load_erlangs", "p_wait", "service_level", "asa_s", "occupancy")
A_FIELDS = (
    "load_erlangs",
    "p_wait",
    "p_abandon",
    "service_level",
    "service_level_excl_short_abandons",
    "service_level_of_answered",
    "asa_s",
    "mean_wait_s",
    "occupancy",
)


@pytest.mark.parametrize("field", C_FIELDS)
def test_erlang_c_kpis(field):
    ref = load("erlang_c_kpis.csv")
    args = [ref[k] for k in ("calls_per_hour", "aht_s", "agents", "threshold_s")]
    inputs = dict(zip(("cph", "aht", "agents", "T"), args, strict=True))
    assert_close(getattr(erlang_c_kpis(*args), field), ref[field], inputs, field)


@pytest.mark.parametrize("field", A_FIELDS)
def test_erlang_a_kpis(field):
    ref = load("erlang_a_kpis.csv")
    keys = ("calls_per_hour", "aht_s", "patience_s", "agents", "threshold_s")
    args = [ref[k] for k in keys]
    inputs = dict(zip(("cph", "aht", "patience", "agents", "T"), args, strict=True))
    assert_close(getattr(erlang_a_kpis(*args), field), ref[field], inputs, field)


def test_published_anchors():
    # R package ErlangC 0.1.0 README (CRAN) / Call Centre Helper worked example.
    k = erlang_c_kpis(200, 180, 11, 20)
    assert k.p_wait == pytest.approx(0.6821182, abs=5e-8)
    assert k.service_level == pytest.approx(0.3896138, abs=5e-8)
    k = erlang_c_kpis(200, 180, 14, 20)
    assert k.p_wait == pytest.approx(0.1741319, abs=5e-8)
    assert k.service_level == pytest.approx(0.88835, abs=5e-6)
    assert k.asa_s == pytest.approx(7.83593701177724, rel=1e-12)
    assert k.occupancy == pytest.approx(0.7142857, abs=5e-8)
    # A widely reproduced Erlang C step-by-step example (published to 4 digits).
    k = erlang_c_kpis(720, 240, 55, 15)
    assert (round(k.p_wait, 4), round(k.asa_s, 3), round(k.service_level, 4)) == (
        0.2387,
        8.184,
        0.8459,
    )
