"""Log-space special functions behind the Erlang formulas.

Every queueing quantity in this package reduces to three building blocks, each computed as a
logarithm so that nothing overflows or underflows for 100,000 agents or 50,000 erlangs:

* ``log_poisson_pmf(s, z)`` -- :math:`\\log p(s; z)`, :math:`p(s; z) = z^s e^{-z} / \\Gamma(s+1)`,
  for real ``s >= 0`` (Loader's saddle-point form, no cancellation between large terms) [1]_.
* ``log_upper_ratio(n, a)`` -- :math:`\\log H(n, a)`,
  :math:`H(n, a) = Q(n+1, a) / p(n; a) = \\sum_{k=0}^{n} n! / (k!\\, a^{n-k}) = 1 / B(n, a)`,
  the reciprocal of Erlang's loss formula.
* ``log_lower_ratio(s, z)`` -- :math:`\\log G(s, z)`, :math:`G(s, z) = P(s, z) / p(s; z)
  = \\sum_{m \\ge 0} z^m / \\prod_{i=1}^{m} (s + i)`, the function called
  :math:`A(x, y)` by Mandelbaum & Zeltyn for the Erlang A queue [2]_, and its first moment
  ``log_lower_moment(s, z)`` -- :math:`\\log M(s, z)`,
  :math:`M(s, z) = \\sum_{m \\ge 1} m\\, z^m / \\prod_{i=1}^{m} (s + i) = (z - s) G(s, z) + s`.

``P`` and ``Q`` are the regularized lower and upper incomplete gamma functions
(``scipy.special.gammainc`` / ``gammaincc``). Where they are comfortably inside the double range
their logarithms are used directly; where they would underflow, the ratios are summed as series
whose terms all have the same sign and shrink geometrically in that regime, so no digits are lost.

References
----------
.. [1] C. Loader (2000), "Fast and accurate computation of binomial probabilities".
.. [2] A. Mandelbaum and S. Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A
   queue, with applications to call centers", in *Advances in Services Innovations*, Springer.
"""

from __future__ import annotations

import numpy as np
from scipy import special as sc

_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
# Incomplete-gamma values below this are treated as "would lose accuracy or underflow" and the
# corresponding series is summed instead (the series converges fast exactly in that regime).
_TINY = 1e-30
_SERIES_TOL = 1e-17
_MAX_SERIES_TERMS = 200_000
# Terms per block of a series (see ``_series_log_sum``): the first block covers most sums
# of the staffing search in one go; slow series (near the mean, huge ``s``) double it.
# A block holds at most ``_BLOCK_BUDGET`` terms over all elements (large arrays: few terms per
# block, their numpy calls are long anyway).
_FIRST_BLOCK, _MAX_BLOCK, _BLOCK_BUDGET = 32, 64, 1 << 18


def _stirlerr(s: np.ndarray) -> np.ndarray:
    """``lgamma(s+1) - (s+1/2) log s + s - log(2 pi)/2`` for ``s > 0`` (Stirling's error)."""
    s = np.asarray(s, dtype=float)
    out = np.empty_like(s)
    big = s >= 15.0
    sb = s[big]
    s2 = sb * sb
    # Asymptotic series (Abramowitz & Stegun 6.1.41), truncation error < 1e-17 for s >= 15.
    out[big] = (
        1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * s2)) / s2) / s2) / s2
    ) / sb
    ss = s[~big]
    out[~big] = sc.gammaln(ss + 1.0) - (ss + 0.5) * np.log(ss) + ss - _HALF_LOG_2PI
    return out


def _bd0(s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Deviance term ``s log(s/z) + z - s`` for ``s, z > 0``, without cancellation near s = z."""
    near = np.abs(s - z) < 0.5 * z
    zn = np.where(near, z, 1.0)
    # Near s = z the log1p form keeps the small result exact; far from it nothing cancels
    # and logs of each side avoid overflowing s / z for tiny z.
    with np.errstate(divide="ignore", invalid="ignore"):
        far = s * (np.log(s) - np.log(z)) + z - s
        return np.where(near, s * np.log1p((s - z) / zn) - (s - z), far)


def log_poisson_pmf(s, z) -> np.ndarray:
    """:math:`\\log(z^s e^{-z} / \\Gamma(s+1))` for real ``s >= 0``, ``z >= 0`` (Loader [1]_).

    ``log p(0; z) = -z``; ``log p(s; 0) = -inf`` for ``s > 0``.
    """
    s, z = np.broadcast_arrays(np.asarray(s, dtype=float), np.asarray(z, dtype=float))
    out = np.empty(s.shape)
    zero_s = s == 0.0
    zero_z = (z == 0.0) & ~zero_s
    small = (s < 1.0) & ~zero_s & ~zero_z
    loader = ~(zero_s | zero_z | small)
    out[zero_s] = -z[zero_s]
    out[zero_z] = -np.inf
    # For s < 1 nothing large cancels: use the definition.
    ss, zs = s[small], z[small]
    out[small] = ss * np.log(zs) - zs - sc.gammaln(ss + 1.0)
    sl, zl = s[loader], z[loader]
    out[loader] = -_stirlerr(sl) - _bd0(sl, zl) - _HALF_LOG_2PI - 0.5 * np.log(sl)
    return out


def _series_log_sum(log_first, ratio_fn, n_elems, weights=False):
    """Sum ``t_0 + t_1 + ...`` with ``t_{m}/t_{m-1} = ratio_fn(m, idx)``, returning log of the sum.

    ``log_first`` is ``log t_0`` per element. With ``weights=True`` also returns
    ``log sum m t_m``. Elements stop once their terms fall below ``_SERIES_TOL`` times the sum
    and are decreasing (all ratios used here are eventually < 1). ``ratio_fn`` broadcasts: it
    is called with a column of term indices ``m`` and a row of elements ``idx``, so a block
    of terms per element is formed by one cumulative product (a few numpy calls per block, not
    per term: the per-call cost of small arrays dominated a term-by-term loop), with the
    loop's results to the last bit. Blocks start
    at ``_FIRST_BLOCK`` terms and double up to ``_MAX_BLOCK`` for the slow series (fewer
    where many elements are still being summed: ``_BLOCK_BUDGET``).
    """
    out_total, out_moment = np.ones(n_elems), np.zeros(n_elems)
    # The sums still running, compacted (elements leave as they converge).
    active = np.arange(n_elems)
    total, moment, term = np.ones(n_elems), np.zeros(n_elems), np.ones(n_elems)
    m = 0
    block = int(np.clip(_BLOCK_BUDGET // max(n_elems, 1), 1, _FIRST_BLOCK))
    while active.size:
        ms = np.arange(m + 1, m + block + 1, dtype=float)
        # One row per term: running products and sums down the rows follow the order of a
        # term-by-term loop (accumulate is sequential), and each element's sums are read at
        # the row where that loop would have stopped: the same results to the last bit.
        r = ratio_fn(ms[:, None], active[None, :])
        below_one = r < 1.0
        r[0] *= term
        terms = np.cumprod(r, axis=0, out=r)
        totals = terms.copy()
        totals[0] += total
        np.cumsum(totals, axis=0, out=totals)
        stops = (terms <= _SERIES_TOL * totals) & below_one
        done = stops.any(axis=0)
        row, col = np.where(done, stops.argmax(axis=0), block - 1), np.arange(active.size)
        if weights:
            weighted = ms[:, None] * terms
            weighted[0] += moment
            moment = np.cumsum(weighted, axis=0, out=weighted)[row, col]
        total, term = totals[row, col], terms[row, col]
        m += block
        if m >= _MAX_SERIES_TERMS:
            done[:] = True
        if done.any():
            out_total[active[done]], out_moment[active[done]] = total[done], moment[done]
            keep = ~done
            active, total, moment, term = active[keep], total[keep], moment[keep], term[keep]
        # Double the block for the slow series, within the memory budget of one block.
        block = int(np.clip(_BLOCK_BUDGET // max(active.size, 1), 1, min(2 * block, _MAX_BLOCK)))
    total, moment = out_total, out_moment
    log_total = log_first + np.log(total)
    if weights:
        with np.errstate(divide="ignore"):
            return log_total, log_first + np.log(moment)
    return log_total


def log_upper_ratio(n, a) -> np.ndarray:
    """:math:`\\log H(n, a) = -\\log B(n, a)` (Erlang B), ``n >= 0`` integer-valued, ``a >= 0``.

    ``H(n, a) = sum_{j=0}^{n} prod_{i=0}^{j-1} (n - i) / a``. Where ``Q(n+1, a)`` is not tiny
    (``a`` below or near ``n``) ``log Q - log p`` is exact to rounding; in the overloaded
    corner (``a`` well above ``n``) the finite sum has shrinking positive terms and is summed.
    ``a = 0`` gives ``+inf`` for ``n >= 1`` (nothing is ever blocked) and ``0`` for ``n = 0``.
    """
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    out = np.empty(n.shape)
    zero_a = a == 0.0
    out[zero_a] = np.where(n[zero_a] == 0.0, 0.0, np.inf)
    q = np.zeros(n.shape)
    q[~zero_a] = sc.gammaincc(n[~zero_a] + 1.0, a[~zero_a])
    direct = ~zero_a & (q > _TINY)
    out[direct] = np.log(q[direct]) - log_poisson_pmf(n[direct], a[direct])
    series = ~zero_a & ~direct
    if series.any():
        ns, as_ = n[series], a[series]
        out[series] = _series_log_sum(
            np.zeros(ns.size), lambda m, idx: np.maximum(ns[idx] - (m - 1), 0.0) / as_[idx], ns.size
        )
    return out


def log_upper_ratio_minus_one(n, a) -> np.ndarray:
    """:math:`\\log(H(n, a) - 1) = \\log(n / a) + \\log H(n - 1, a)`; ``-inf`` for ``n = 0``.

    The identity is the Erlang B recursion ``1/B(n) = 1 + (n/a) / B(n-1)``; it avoids
    subtracting 1 from a number close to 1.
    """
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    out = np.full(n.shape, -np.inf)
    pos = n >= 1.0
    with np.errstate(divide="ignore"):
        out[pos] = np.log(n[pos]) - np.log(a[pos]) + log_upper_ratio(n[pos] - 1.0, a[pos])
    return out


def _lower_series_mask(s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Where ``G(s, z)`` and ``M(s, z)`` are summed as series rather than taken from ``P(s, z)``.

    Below ``z = s/2`` the series ratio is below 1/2 (fast) while the closed form
    ``M = s - (s - z) G`` would cancel; far below the mean (``(s - z)^2 > 100 s``) ``P``
    underflows or loses relative accuracy. Elsewhere the closed form cancels at most ~100-fold.
    """
    return (z < s) & ((z <= 0.5 * s) | ((s - z) ** 2 > 100.0 * s))


def lower_gamma_terms(s, z):
    """Logs of ``G(s, z)``, ``M(s, z) / G(s, z)`` and ``P(s, z)`` for ``s >= 0``, ``z > 0``.

    Returns ``(log_g, log_m_over_g, log_p)``. All three stay moderate where the values they
    feed are representable: in the overloaded corner (``z >> s``) ``G`` is astronomically large
    but ``M/G = (z - s) + s/G`` and ``P ~ 1`` are not, so callers combine those instead of ``G``.
    """
    s, z = np.broadcast_arrays(np.asarray(s, dtype=float), np.asarray(z, dtype=float))
    log_g = np.empty(s.shape)
    log_mg = np.empty(s.shape)
    log_p = np.empty(s.shape)
    series = _lower_series_mask(s, z)
    closed = ~series
    if series.any():
        ss, zs = s[series], z[series]
        lg, lm = _series_log_sum(
            np.zeros(ss.size), lambda m, idx: zs[idx] / (ss[idx] + m), ss.size, weights=True
        )
        log_g[series], log_mg[series] = lg, lm - lg
        log_p[series] = lg + log_poisson_pmf(ss, zs)
    if closed.any():
        sc_, zc = s[closed], z[closed]
        lp = np.log(sc.gammainc(sc_, zc))
        lg = lp - log_poisson_pmf(sc_, zc)
        log_g[closed], log_p[closed] = lg, lp
        with np.errstate(divide="ignore"):
            log_mg[closed] = np.log((zc - sc_) + sc_ * np.exp(-lg))
    return log_g, log_mg, log_p


def log_lower_ratio(s, z) -> np.ndarray:
    """:math:`\\log G(s, z)` for ``s >= 0``, ``z >= 0`` (``G(s, 0) = 1``)."""
    s, z = np.broadcast_arrays(np.asarray(s, dtype=float), np.asarray(z, dtype=float))
    out = np.zeros(s.shape)
    pos = z > 0.0
    out[pos] = lower_gamma_terms(s[pos], z[pos])[0]
    return out


def log_lower_gamma(s, z) -> np.ndarray:
    """:math:`\\log P(s, z)` (regularized lower incomplete gamma), also where ``P`` underflows."""
    s, z = np.broadcast_arrays(np.asarray(s, dtype=float), np.asarray(z, dtype=float))
    out = np.full(s.shape, -np.inf)
    pos = z > 0.0
    out[pos] = lower_gamma_terms(s[pos], z[pos])[2]
    return out


def log_gamma_interval(s, lo, hi) -> np.ndarray:
    """:math:`\\log(P(s, hi) - P(s, lo))` for ``s >= 1``, ``0 <= lo <= hi``, without cancellation.

    The difference is taken between the two lower tails or the two upper tails, whichever is
    smaller; when the two values are too close for that (a short interval), the gamma density
    is integrated over ``[lo, hi]`` by 16-point Gauss-Legendre quadrature in log space, which
    is exact to rounding for such a short, smooth stretch. Upper tails below the double range
    give ``-inf`` (the difference is then below ~1e-300 too).
    """
    s, lo, hi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (s, lo, hi)))
    both = log_lower_gamma(
        np.concatenate([s.ravel()] * 2), np.concatenate([lo.ravel(), hi.ravel()])
    )
    lp_lo, lp_hi = both[: s.size].reshape(s.shape), both[s.size :].reshape(s.shape)
    use_q = lp_lo > np.log(0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        big = np.where(use_q, np.log(sc.gammaincc(s, lo)), lp_hi)
        small = np.where(use_q, np.log(sc.gammaincc(s, hi)), lp_lo)
        out = big + np.log(-np.expm1(small - big))
        short = np.isfinite(big) & (big - small < 1e-3) & (hi > lo)
    out[np.isneginf(big)] = -np.inf
    if short.any():
        out[short] = _log_gamma_density_integral(s[short], lo[short], hi[short])
    out[hi == lo] = -np.inf
    return out


_GL16_X, _GL16_W = np.polynomial.legendre.leggauss(16)


def _log_gamma_density_integral(s, lo, hi):
    """``log int_lo^hi u^(s-1) e^(-u) / Gamma(s) du`` (``s >= 1``) by Gauss-Legendre.

    Used only on intervals so short that the density changes little across them. The gamma
    density is ``p(s - 1; u)``, evaluated in Loader's cancellation-free form.
    """
    half = 0.5 * (hi - lo)
    u = (0.5 * (hi + lo))[:, None] + half[:, None] * _GL16_X[None, :]
    log_dens = log_poisson_pmf((s - 1.0)[:, None], u)
    peak = log_dens.max(axis=1, keepdims=True)
    integral = np.sum(_GL16_W[None, :] * np.exp(log_dens - peak), axis=1)
    return peak[:, 0] + np.log(integral * half)
