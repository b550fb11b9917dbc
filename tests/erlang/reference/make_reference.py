"""Make the 50-digit reference values the Erlang tests compare against (by hand, ~5 min).

    python tests/erlang/reference/make_reference.py

Nothing here imports the package under test: every value comes from mpmath (50 significant
digits) by a route of its own.

* ``erlang_bc.csv`` -- Erlang B and C. B = Poisson pmf(n; a) / Q(n+1, a) with mpmath's
  regularized upper incomplete gamma; for n <= 2,000 also the direct sum
  (a^n/n!) / sum_k a^k/k!, and the two must agree to 1e-40. C = B / (1 - (a/n)(1 - B)).
* ``erlang_c_kpis.csv`` -- M/M/n: SL = 1 - C exp(-(n - a) T / h), ASA = C h / (n - a).
* ``erlang_a_kpis.csv`` -- M/M/n+M from the birth-death chain: queue-length probabilities
  r_j = pi_{n+j} / pi_n = prod_{i<=j} y / (x + i) (x = n mu / theta, y = lambda / theta), and
  pi_n = 1 / (1/B + sum_{j>=1} r_j). A caller who finds j others waiting passes j + 1 stages,
  leaving stage i by advancing (rate theta (x + i)) or abandoning (rate theta), so
  P(answered | j) = x / (x + j + 1), E[W | j] = (j + 1) / (theta (x + j + 1)) and
  E[W; answered | j] = x / (x + j + 1) sum_{i<=j} 1 / (theta (x + i + 1)): chain sums give
  p_wait, p_abandon, mean_wait_s and asa_s. The threshold quantities (answered within T,
  abandoned within T) come from the virtual-wait density
  f_V(t) = pi_n n mu exp(-n mu t + y (1 - e^{-theta t})): its integrals in closed form (lower
  incomplete gamma functions, evaluated at 200 digits because their differences cancel), each
  confirmed by mpmath.quad of the density to 1e-15; the density itself is checked first
  against the tagged caller's absorbing chain solved with mpmath.expm.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import mpmath as mp

mp.mp.dps = 50
HERE = Path(__file__).parent


def poisson_pmf(n, a):
    return mp.exp(n * mp.log(a) - a - mp.loggamma(n + 1))


def erlang_b(n: int, a) -> mp.mpf:
    a = mp.mpf(a)
    if n == 0:
        return mp.mpf(1)
    b = poisson_pmf(n, a) / mp.gammainc(n + 1, a, mp.inf, regularized=True)
    if n <= 2000:
        terms = [mp.mpf(1)]
        for k in range(1, n + 1):
            terms.append(terms[-1] * a / k)
        direct = terms[-1] / mp.fsum(terms)
        assert abs(direct - b) <= mp.mpf("1e-40") * b, (n, a)
    return b


def erlang_c(n: int, a) -> mp.mpf:
    a = mp.mpf(a)
    if n <= a:
        return mp.mpf(1)
    b = erlang_b(n, a)
    return b / (1 - a / n * (1 - b))


def erlang_c_kpis(cph, aht, n, t):
    a = mp.mpf(cph) * aht / 3600
    c = erlang_c(n, a)
    return {
        "load_erlangs": a,
        "p_wait": c,
        "service_level": 1 - c * mp.exp(-(n - a) * mp.mpf(t) / aht),
        "asa_s": c * aht / (n - a),
        "occupancy": a / n,
    }


def erlang_a_kpis(cph, aht, patience, n, t):
    lam = mp.mpf(cph) / 3600
    mu, theta = 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    a, x, y = lam / mu, n * mu / theta, lam / theta
    # Queue-length ratios r_j until they no longer matter (past the mode, below 1e-60).
    r, j, tail = mp.mpf(1), 0, []
    total = mp.mpf(0)
    ab = asa_num = mp.mpf(0)
    harmonic = mp.mpf(0)
    while True:
        tail.append(r)
        total += r
        harmonic += 1 / (theta * (x + j + 1))
        ab += r * (j + 1) / (x + j + 1)
        asa_num += r * x / (x + j + 1) * harmonic
        j += 1
        r = r * y / (x + j)
        if r < mp.mpf("1e-60") * total and y < x + j:
            break
    pi_n = 1 / (1 / erlang_b(n, a) + total - 1)
    p_wait = pi_n * total
    p_ab = pi_n * ab
    p_ans = 1 - p_ab
    t = mp.mpf(t)

    def f_v(s):
        return pi_n * n * mu * mp.exp(-n * mu * s + y * (1 - mp.exp(-theta * s)))

    def survival(s):  # P(V > s) in closed form, x e^y y^-x gamma(x, y e^{-theta s}) pi_n
        return pi_n * x * mp.exp(y) * y ** (-x) * mp.gammainc(x, 0, y * mp.exp(-theta * s))

    peak = max(mp.mpf(0), mp.log(y / (x + 1)) / theta) if y > x + 1 else mp.mpf(0)
    # Many short pieces: the integrands can rise or fall by hundreds of orders of magnitude.
    points = sorted(set(mp.linspace(0, t, 33)) | {min(peak, t)}) if t > 0 else None

    y_t = y * mp.exp(-theta * t)
    scale = pi_n * x * mp.exp(y) * y ** (-(x + 1))

    def lower(s, z):  # non-regularized lower incomplete gamma
        return mp.gammainc(s, 0, z)

    def between(s, lo, hi):  # integral of u^(s-1) e^-u over [lo, hi], from the nearer tail
        if lo > s:
            return mp.gammainc(s, lo, mp.inf) - mp.gammainc(s, hi, mp.inf)
        return lower(s, hi) - lower(s, lo)

    # Closed forms of the two integrals below (integrating f_V by parts in u = y e^{-theta s}):
    # differences of incomplete gammas taken from the nearer tail, at 300 digits because they
    # can still cancel by tens of digits.
    with mp.workdps(300):
        closed_answered = scale * between(x + 1, y_t, y)
        closed_abandoned = scale * (
            y * between(x, y_t, y) + (y - y_t) * lower(x, y_t) - between(x + 1, y_t, y)
        )

    def integral(f, closed, scale):
        """The closed form, confirmed by quadrature over [0, t] to 1e-15 of what it is added to
        (``scale``); steep integrands get finer pieces. Values below 1e-200 (quadrature of
        such extremely steep integrands is not reliable) are taken from the closed form alone."""
        if points is None:
            return mp.mpf(0)
        size = abs(closed) + scale
        if size < mp.mpf("1e-200"):  # far below anything a contract measures: closed form only
            return closed
        for pieces in (points, sorted(set(mp.linspace(0, t, 257)) | set(points))):
            with mp.workdps(70):  # steep integrands: quadrature with 20 guard digits
                value = mp.quad(f, pieces)
            if abs(value - closed) <= mp.mpf("1e-15") * size:
                return closed
        raise AssertionError(
            f"quadrature disagrees with the closed form: {cph, aht, patience, n, t}"
        )

    answered_within = (1 - p_wait) + integral(
        lambda s: f_v(s) * mp.exp(-theta * s), closed_answered, 1 - p_wait
    )
    # enters as 1 - abandoned_within
    abandoned_within = integral(
        lambda s: theta * mp.exp(-theta * s) * survival(s), closed_abandoned, 1
    )
    return {
        "load_erlangs": a,
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "service_level": answered_within,
        "service_level_excl_short_abandons": answered_within / (1 - abandoned_within),
        "service_level_of_answered": answered_within / p_ans,
        "asa_s": pi_n * asa_num / p_ans,
        "mean_wait_s": pi_n * ab / theta,
        "occupancy": a * p_ans / n,
        "_pi_n": pi_n,
        "_f_v": f_v,
        "_survival": survival,
        "_tail": [pi_n * v for v in tail],
    }


def check_density_against_caller_chain(cph, aht, patience, n, t):
    """The tagged caller's absorbing chain (j ahead -> ... -> answered / abandoned), solved
    with mpmath.expm at time t, against the density-based P(answered within t) and
    P(abandoned within t)."""
    k = erlang_a_kpis(cph, aht, patience, n, t)
    lam = mp.mpf(cph) / 3600
    mu, theta = 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    probs = k["_tail"]
    size = len(probs)  # transient states: j = 0..size-1 others ahead
    ans, ab = size, size + 1
    q = mp.zeros(size + 2, size + 2)
    for j in range(size):
        advance = n * mu + j * theta
        q[j, j] = -(advance + theta)
        q[j, j - 1 if j else ans] = advance
        q[j, ab] = theta
    p_t = mp.expm(q * t)
    answered = (1 - k["p_wait"]) + mp.fsum(probs[j] * p_t[j, ans] for j in range(size))
    abandoned = mp.fsum(probs[j] * p_t[j, ab] for j in range(size))
    excl = k["service_level_excl_short_abandons"]
    err = max(
        abs(answered - k["service_level"]) / k["service_level"],
        abs(answered / (1 - abandoned) - excl) / excl,
    )
    assert err < mp.mpf("1e-25"), (cph, aht, patience, n, t, err)
    del lam
    return err


def write(name, header, rows):
    with (HERE / name).open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow([mp.nstr(v, 20) if isinstance(v, mp.mpf) else v for v in row])
    print(f"{name}: {len(rows)} rows")


def main():
    start = time.perf_counter()
    for case in ((200, 180, 30, 5, 20), (720, 240, 60, 3, 10), (3000, 300, 120, 12, 30)):
        err = check_density_against_caller_chain(*case)
        print(f"density vs caller chain {case}: relative difference {mp.nstr(err, 3)}")

    rows = []
    agents = (1, 2, 5, 10, 50, 100, 500, 2000, 10000, 100000)
    for n in agents:
        for load in (0.01, 0.5, 0.9 * n, n - 0.5, n, n + 1, 1.01 * n, 1.5 * n, 10 * n, 1000, 50000):
            if load > 0:
                rows.append((n, load, erlang_b(n, load), erlang_c(n, load)))
    for n, load in ((100000, 99000), (100000, 99990), (100000, 50000), (1, 50000), (10, 1000)):
        rows.append((n, load, erlang_b(n, load), erlang_c(n, load)))
    write("erlang_bc.csv", ("agents", "load_erlangs", "erlang_b", "erlang_c"), rows)

    c_cases = [
        (200, 180, 11, 20),
        (200, 180, 14, 20),
        (720, 240, 55, 15),
        (250, 330, 27, 30),
        (250, 330, 28, 30),
        (360, 240, 28, 20),
        (360, 240, 28, 0),
        (360, 240, 28, 600),
    ]
    for n in (1, 3, 10, 50, 100, 1000, 10000, 100000):
        for rho in (0.3, 0.8, 0.95, 0.999):
            c_cases.append((rho * n * 3600 / 300, 300, n, 20))
    c_rows = []
    fields = ("load_erlangs", "p_wait", "service_level", "asa_s", "occupancy")
    for case in c_cases:
        k = erlang_c_kpis(*case)
        c_rows.append((*case, *(k[f] for f in fields)))
    write(
        "erlang_c_kpis.csv", ("calls_per_hour", "aht_s", "agents", "threshold_s", *fields), c_rows
    )

    a_cases = [
        (1200, 300, 300, 100, 20),
        (1800, 300, 300, 100, 20),
        (24 * 12, 300, 5, 22, 20),
        (24 * 12, 300, 5, 2, 20),
        (24 * 12, 300, 5, 1, 20),
        (2000 * 12, 300, 300, 1950, 20),
        (2000 * 12, 300, 300, 2050, 20),
        (1200, 300, 180, 100, 0),
        (1200, 300, 180, 100, 600),
        (0.01 * 12, 300, 60, 1, 20),
        (50000 * 12, 300, 300, 10, 20),
        (50000 * 12, 300, 300, 100000, 20),
        (45 * 12, 300, 180, 50, 20),
        (36000, 300, 120, 10, 20),
        (100 * 120, 30, 30, 100, 5),
        (5 * 1, 3600, 3600, 5, 60),
        (500, 3600, 600, 500, 60),
        (2 * 3600, 1, 1, 2, 5),
    ]
    for n in (1, 5, 50, 500, 5000):
        for rho in (0.5, 0.9, 1.0, 1.2, 3.0):
            for patience, aht, t in ((60, 180, 20), (600, 300, 30)):
                a_cases.append((rho * n * 3600 / aht, aht, patience, n, t))
    # Series of the blocked summation (``_special._series_log_sum``): slow ones at 100,000 and
    # 20,000 agents (ratios near 0.9), a day of patience, a second of patience, threshold 0.
    a_cases += [
        (0.95 * 100000 * 3600 / 300, 300, 300, 100000, 0),
        (0.9 * 100000 * 3600 / 300, 300, 300, 100000, 20),
        (0.95 * 20000 * 3600 / 180, 180, 86400, 20000, 20),
        (1.2 * 50 * 3600 / 300, 300, 1, 50, 20),
        (0.9 * 1000 * 3600 / 300, 300, 1, 1000, 0),
        (0.98 * 3000 * 3600 / 240, 240, 30, 3000, 15),
        (0.999 * 100000 * 3600 / 300, 300, 600, 100000, 20),
    ]
    a_fields = (
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
    a_rows = []
    for case in a_cases:
        k = erlang_a_kpis(*case)
        a_rows.append((*case, *(k[f] for f in a_fields)))
    write(
        "erlang_a_kpis.csv",
        ("calls_per_hour", "aht_s", "patience_s", "agents", "threshold_s", *a_fields),
        a_rows,
    )
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
