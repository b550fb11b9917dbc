"""An exact transient chain for time-varying M(t)/M/n(t)(+M) queues: the oracle of the peak check.

Independent of the simulator (numpy and scipy only). Arrivals are Poisson at a rate constant
within each interval, handle times exponential (mean ``aht_s``), patience exponential (mean
``patience_s``) or absent (Erlang C), FCFS, and the staffing changes at interval boundaries by
the simulator's documented rules (``simulator.Pool``): a drop sends idle agents home first,
then designates busy agents who finish their contact and leave, taking no new one, while the
others keep taking work; a rise first keeps on designated agents (still busy), then adds
agents who take waiting contacts at once.

State ``(x, g)``: ``x`` contacts at the agents on duty or waiting, ``g`` designated ("going")
agents still busy. ``g`` never affects the queue except at a rise (a kept-on agent is busy),
so it is tracked exactly. With ``n`` agents on duty the forward chain moves
``x -> x + 1`` at rate lambda, ``x -> x - 1`` at ``min(x, n) mu + max(x - n, 0) theta`` and
``g -> g - 1`` at ``g mu``; its law ``p(t)`` and its time integral are propagated across each
interval by uniformization (``_expm``).

Service level of the contacts arriving in an interval (a tagged-customer chain): a contact
arriving at ``t`` sees the time-average state (PASTA) ``(x, g)``; with ``x < n`` it is answered
at once, else ``x`` contacts are ahead of it. Under FCFS only those ahead matter: the number
ahead falls at ``n mu + (x - n) theta`` (a completion on duty, or an abandonment ahead),
``g`` at ``g mu``, and the tagged contact abandons at ``theta``; it is answered when the
number ahead falls below the agents on duty. Its chance of being answered within ``T``
solves the backward equation ``u(s) = exp(A (D - s)) u(D)`` to the deadline ``D = t + T``
(Kolmogorov; cf. the virtual-waiting-time analysis of Ingolfsson, Akhmetshina, Budge, Li &
Wu 2007, "A survey and experimental comparison of service-level-approximation methods for
nonstationary M(t)/M/s(t) queueing systems", INFORMS J. Computing 19(2)). Within an
interval, for arrivals more than ``T`` before its end, the staffing over ``[t, t + T]`` is
constant, so ``u`` is the same for all of them and the count answered within ``T`` is
``lambda * integral(p) . u``; the last ``T`` seconds, whose deadline crosses the boundary
(or the end of the horizon, after which nothing is answered: the simulator's censoring), are
integrated by Gauss-Legendre quadrature in the arrival time.

In steady state (constant rate and staffing, long warm-up) the chain agrees with
``erlang_c_kpis`` / ``erlang_a_kpis`` (tested to 1e-6 in ``test_transient_chain.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from erlang import SLDefinition, service_level_from_counts


@dataclass(frozen=True)
class TransientSL:
    """Expected counts per interval of the exact chain (arrays, one value per interval).

    ``offered``: arrivals; ``answered_within`` / ``abandoned_within``: arrivals answered /
    abandoned within ``threshold_s`` of arriving. ``truncation_mass``: the largest probability
    ever seen at the top state ``x = max_in_system`` (arrivals there are blocked) or pushed
    off the grid at a boundary, to check the truncation is immaterial.
    """

    offered: np.ndarray
    answered_within: np.ndarray
    abandoned_within: np.ndarray
    truncation_mass: float

    def service_level(self, definition: SLDefinition = SLDefinition.OF_OFFERED) -> np.ndarray:
        """Per-interval service level under ``definition`` (of_offered or excl_short_abandons;
        of_answered needs the answered count beyond T, which this chain does not follow)."""
        definition = SLDefinition(definition)
        if definition is SLDefinition.OF_ANSWERED:
            raise ValueError("the transient chain gives of_offered and excl_short_abandons only")
        return service_level_from_counts(
            definition, self.answered_within, self.offered, self.abandoned_within, np.nan
        )


class _Grid:
    """States ``(x, g)``, ``0 <= x <= x_max``, ``0 <= g <= g_max``, index ``x (g_max+1) + g``."""

    def __init__(self, x_max: int, g_max: int):
        self.x_max, self.g_max = x_max, g_max
        x, g = np.meshgrid(np.arange(x_max + 1), np.arange(g_max + 1), indexing="ij")
        self.x, self.g = x.ravel(), g.ravel()
        self.size = self.x.size

    def index(self, x, g):
        return x * (self.g_max + 1) + g


def _generator(rows, cols, rates, size: int, extra_out=None) -> sparse.csr_matrix:
    """Row generator: ``rate`` from ``rows[i]`` to ``cols[i]``, minus the total out of each row
    (plus ``extra_out``, rates to states outside the matrix) on the diagonal."""
    keep = rates > 0
    rows, cols, rates = rows[keep], cols[keep], rates[keep]
    out = np.bincount(rows, weights=rates, minlength=size)
    if extra_out is not None:
        out = out + extra_out
    diag = np.arange(size)
    return sparse.csr_matrix(
        (
            np.concatenate([rates, -out]),
            (np.concatenate([rows, diag]), np.concatenate([cols, diag])),
        ),
        shape=(size, size),
    )


def _forward(grid: _Grid, lam: float, n: int, mu: float, theta: float) -> sparse.csr_matrix:
    """Row generator of the forward chain with ``n`` agents on duty."""
    x, g = grid.x, grid.g
    src, dst, rate = [], [], []
    up = x < grid.x_max
    src.append(np.flatnonzero(up))
    dst.append(grid.index(x[up] + 1, g[up]))
    rate.append(np.full(up.sum(), lam))
    down = x > 0
    src.append(np.flatnonzero(down))
    dst.append(grid.index(x[down] - 1, g[down]))
    rate.append(np.minimum(x[down], n) * mu + np.maximum(x[down] - n, 0) * theta)
    going = g > 0
    src.append(np.flatnonzero(going))
    dst.append(grid.index(x[going], g[going] - 1))
    rate.append(g[going] * mu)
    return _generator(np.concatenate(src), np.concatenate(dst), np.concatenate(rate), grid.size)


def _tagged(grid: _Grid, n: int, mu: float, theta: float) -> sparse.csr_matrix:
    """Row generator of the tagged contact with ``n`` agents on duty, over the grid (``x`` =
    contacts ahead of it) plus one absorbing state "abandoned" (last). States ``x < n`` are
    absorbing: the tagged contact is answered."""
    x, g = grid.x, grid.g
    waiting = x >= n
    src, dst, rate = [], [], []
    w = np.flatnonzero(waiting)
    src.append(w)
    dst.append(grid.index(x[w] - 1, g[w]))
    rate.append(n * mu + (x[w] - n) * theta)
    wg = np.flatnonzero(waiting & (g > 0))
    src.append(wg)
    dst.append(grid.index(x[wg], g[wg] - 1))
    rate.append(g[wg] * mu)
    src.append(w)
    dst.append(np.full(w.size, grid.size))  # the tagged contact abandons
    rate.append(np.full(w.size, theta))
    return _generator(np.concatenate(src), np.concatenate(dst), np.concatenate(rate), grid.size + 1)


def _boundary(grid: _Grid, n_old: int, n_new: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each state goes when the agents on duty change from ``n_old`` to ``n_new``, and
    which states would leave the grid (clipped; unreachable from an empty start, since the
    agents on duty plus the busy designated ones never exceed the most on duty so far, nor
    ``x`` its bound; the caller checks their mass)."""
    x, g = grid.x, grid.g
    if n_new < n_old:  # idle agents leave first, then busy ones are designated
        moved = np.maximum(np.minimum(x, n_old) - n_new, 0)
        x2, g2 = x - moved, g + moved
    else:  # designated agents are kept on first (still busy), then new agents come
        kept = np.minimum(g, n_new - n_old)
        x2, g2 = x + kept, g - kept
    outside = (g2 > grid.g_max) | (x2 > grid.x_max)
    return grid.index(np.minimum(x2, grid.x_max), np.minimum(g2, grid.g_max)), outside


def _expm(matrix, vector, t: float, *, integral: bool = False):
    """``exp(matrix t) vector`` for a generator ``matrix`` (off-diagonal >= 0, rows or columns
    summing to <= 0), by uniformization (Jensen 1953; Grassmann 1977, "Transient solutions in
    Markovian queueing systems", Computers & Operations Research 4): with ``L`` >= the largest
    exit rate and ``P = I + matrix / L`` (nonnegative), ``exp(matrix t) = sum_k pois(k; L t)
    P^k``, every term nonnegative, the sum cut where the Poisson tail is below 1e-16. With
    ``integral`` also returns ``int_0^t exp(matrix s) vector ds = (1/L) sum_k P(N > k) P^k
    vector``, ``N ~ Poisson(L t)``."""
    rate = float(-matrix.diagonal().min())
    if t == 0 or rate == 0:
        value = vector.copy()
        return (value, vector * t) if integral else value
    step = sparse.identity(matrix.shape[0], format="csr") + matrix / rate
    mean = rate * t
    last = int(stats.poisson.isf(1e-16, mean)) + 1
    k = np.arange(last + 1)
    pmf = stats.poisson.pmf(k, mean)
    tail = stats.poisson.sf(k, mean)  # P(N > k)
    term = vector.copy()
    value = pmf[0] * term
    area = tail[0] * term
    for j in range(1, last + 1):
        term = step @ term
        value += pmf[j] * term
        area += tail[j] * term
    return (value, area / rate) if integral else value


def transient_service_level(
    calls_per_hour,
    agents,
    *,
    interval_s: float,
    aht_s: float,
    threshold_s: float,
    patience_s: float | None = None,
    warmup_s: float = 0.0,
    max_in_system: int | None = None,
    nodes: int = 12,
) -> TransientSL:
    """Expected offered, answered within ``threshold_s`` and abandoned within it, per interval,
    of the time-varying queue (see the module docstring). The system starts empty
    ``warmup_s`` before the first interval, with the first interval's rate and staffing.
    ``max_in_system`` truncates ``x`` (default: the most agents plus a generous queue);
    ``nodes`` Gauss-Legendre nodes integrate the last ``threshold_s`` of each interval."""
    lam_s = np.asarray(calls_per_hour, dtype=float) / 3600.0
    n = np.asarray(agents, dtype=np.int64)
    if lam_s.shape != n.shape or lam_s.ndim != 1:
        raise ValueError("`calls_per_hour` and `agents` need one value per interval")
    if not 0 <= threshold_s < interval_s:
        raise ValueError(f"`threshold_s` must be in [0, interval_s), got {threshold_s}")
    mu = 1.0 / aht_s
    theta = 0.0 if patience_s is None else 1.0 / patience_s
    if max_in_system is None:
        peak_load = float(np.max(lam_s)) * aht_s
        max_in_system = int(n.max() + 60 + 4 * np.sqrt(peak_load))
    grid = _Grid(max_in_system, int(n.max() - n.min()))
    top = grid.x == grid.x_max
    abandoned = grid.size  # the tagged chain's absorbing "abandoned" state

    p = np.zeros(grid.size)
    p[grid.index(0, 0)] = 1.0
    p = _expm(_forward(grid, lam_s[0], int(n[0]), mu, theta).T.tocsr(), p, warmup_s)
    truncation = float(p[top].sum())
    gl_x, gl_w = np.polynomial.legendre.leggauss(nodes)
    tau = 0.5 * threshold_s * (gl_x + 1.0)  # arrival time after the window opens
    weights = 0.5 * threshold_s * gl_w
    k_count = n.size
    answered, abandoned_within = np.zeros(k_count), np.zeros(k_count)
    for k in range(k_count):
        lam, nk = lam_s[k], int(n[k])
        forward = _forward(grid, lam, nk, mu, theta).T.tocsr()  # column convention
        tagged = _tagged(grid, nk, mu, theta)
        served_now = np.append(grid.x < nk, False).astype(float)
        abandon_end = np.zeros(grid.size + 1)
        abandon_end[abandoned] = 1.0
        # Arrivals in [t_k, t_{k+1} - T]: their deadline stays in this interval.
        steady = interval_s - threshold_s
        p_window, integral = _expm(forward, p, steady, integral=True)
        # Columns: P(answered by the deadline), P(abandoned by it), from each state.
        end_now = np.column_stack([served_now, abandon_end])
        u = _expm(tagged, end_now, threshold_s)[: grid.size]
        answered[k], abandoned_within[k] = lam * (integral @ u)
        # Arrivals in the last T seconds: the deadline crosses the boundary (or the horizon end).
        last = k + 1 == k_count
        if not last:
            n_next = int(n[k + 1])
            to, outside = _boundary(grid, nk, n_next)
            tagged_next = _tagged(grid, n_next, mu, theta)
            served_next = np.append(grid.x < n_next, False).astype(float)
            end_next = np.column_stack([served_next, abandon_end])
        for t_after, w in zip(tau, weights, strict=True):
            p_t = _expm(forward, p_window, t_after)
            truncation = max(truncation, float(p_t[top].sum()))
            before = threshold_s - t_after  # time left in this interval to the boundary
            if last:  # nothing is answered after the horizon ends
                at_boundary = end_now
            else:
                after = _expm(tagged_next, end_next, t_after)
                # Just before the boundary: answered already (x < n_k) or mapped across it.
                at_boundary = np.vstack(
                    [np.where((grid.x < nk)[:, None], end_now[:-1], after[to]), after[-1:]]
                )
            u = _expm(tagged, at_boundary, before)[: grid.size]
            counts = lam * w * (p_t @ u)
            answered[k] += counts[0]
            abandoned_within[k] += counts[1]
        p = _expm(forward, p_window, threshold_s)
        truncation = max(truncation, float(p[top].sum()))
        if not last:
            truncation = max(truncation, float(p[outside].sum()))
            p = np.bincount(to, weights=p, minlength=grid.size)
    return TransientSL(
        offered=lam_s * interval_s,
        answered_within=answered,
        abandoned_within=abandoned_within,
        truncation_mass=truncation,
    )
