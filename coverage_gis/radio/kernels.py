"""The terrain sweep's compiled loops (numba): the radial sweep's kernels that
:mod:`coverage_gis.radio.terrain` calls, and their helpers.

One source, two builds: numba compiles these functions just in time (cached on disk, rays in
parallel: ``prange``), and :mod:`coverage_gis.radio.compiled` compiles the same functions ahead
of time (``numba.pycc``, one thread) into an extension module that loads without numba, for
short processes (``coverage-gis site-map``). The entry points (no leading underscore) are the
functions both builds export, with the argument types of :data:`coverage_gis.radio.compiled.
SIGNATURES`; see :mod:`coverage_gis.radio.terrain` for what they compute.
"""

from __future__ import annotations

import math
import os

import numba
import numpy as np

from coverage_gis.radio.constants import BULLINGTON_DB as _BULL_DB
from coverage_gis.radio.constants import BULLINGTON_DB_PER_KM as _BULL_DB_PER_KM
from coverage_gis.radio.constants import P1546_FAR_M as _P1546_FAR_M
from coverage_gis.radio.constants import P1546_NEAR_M as _P1546_NEAR_M
from coverage_gis.radio.constants import SWEEP_BLOCK as _BLOCK

__all__ = ["NUMBA_CACHE", "numba_threads", "sweep", "heff", "ray_ground", "sample_grid",
           "cell_rays", "point_rays", "sample_points", "gather", "bullington_ray", "smooth_w"]

# --------------------------------------------------------------------------------------------
# the radial sweep (numba)
#
# Everything below works in the "tangent frame" of the site: heights z'(x) = z(x) - x^2 / (2 k R)
# (the drop of the effective earth below the horizontal plane at the site). Because a chord of
# a parabola minus the parabola is (x - a)(b - x) / (2 k R), the height of any point above the
# straight line between two points of this frame equals its height above the chord plus the
# earth bulge of that sub-path: the earth bulge of every sub-path (Deygout's too) is then
# accounted for by straight lines, and line of sight from the site is a running maximum of
# elevation slopes.
#
# The dominant edge without an O(M^2) scan. For the receiver at sample j, v of sample i is
# h_i * g_i with h_i the height above the direct ray and 1 / g_i = sqrt(lambda step i (j - i)
# / (2 j)) a concave function of i. A sample strictly below the upper convex hull of the samples
# 1..j-1 lies below a hull chord (a, b): h_i < t h_a + (1 - t) h_b and 1/g_i >= t/g_a +
# (1 - t)/g_b, so when h_i > 0 its v is below max(v_a, v_b) (the mediant inequality). Hence when
# the ray is obstructed (some v > 0) the dominant edge is a hull vertex: the hull is kept
# incrementally as j grows (a stack, amortised O(1) per sample) and only its vertices are
# evaluated (about 6 on a 30 m ray of the sample, 9 at 10 m). When no sample cuts the ray, the
# largest (negative) v still matters down to -0.78 (the Fresnel zone): the samples between
# two hull vertices are checked by hull segment, then by blocks of _BLOCK samples, one being
# skipped when an upper bound of its v (from the hull chord above it, or from the block's
# highest sample, and its smallest g) cannot beat the best so far or -0.78; when the smooth-
# earth loss is subtracted, nor the smooth earth's own v at that distance (a lesser edge would
# give 0 dB after the subtraction anyway). The comparison uses w = h |h| (1/i + 1/(j - i)),
# which orders samples as v does (v |v| = w * 2 / (lambda step)), so no square root is taken
# per sample; v is computed once, for the winner, with the formula of the reference. The loss
# relative to smooth earth, the raw loss (subtract_smooth_earth=False), the Fresnel mask and
# line of sight are the exhaustive scan's, cell for cell (tests/test_site_speed_regressions.py;
# benchmarks/bench_splat.py checks 3.1 million cells at 10 m).


def _numba_cache() -> bool:
    """Whether numba can cache compiled kernels, after choosing where.

    numba stores them in ``__pycache__`` beside this file, else in the user's cache folder
    (``~/.cache/numba``), or in ``NUMBA_CACHE_DIR`` when set. On a read-only install with a
    read-only home folder it has none of these, and ``cache=True`` would fail at import; then
    the kernels are cached in ``<temp dir>/coverage-gis-numba-<user>``, and compiled in memory
    at every start (a few seconds more, same results) when that is not writable either.
    """
    def probe() -> None:  # pragma: no cover - never called, only decorated
        return None

    try:
        numba.njit(cache=True)(probe)  # numba looks for a writable cache folder here
        return True
    except RuntimeError:
        pass
    import getpass
    import tempfile
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    setattr(numba.config, "CACHE_DIR",  # noqa: B010  (numba.config is set at run time)
            os.path.join(tempfile.gettempdir(), f"coverage-gis-numba-{user}"))
    try:
        numba.njit(cache=True)(probe)
        return True
    except RuntimeError:
        return False


#: True when the numba kernels below are cached on disk (see :func:`_numba_cache`).
NUMBA_CACHE = _numba_cache()


def numba_threads() -> int:
    """The threads numba's parallel kernels use in this process (``NUMBA_NUM_THREADS``: this
    machine's cores by default, one in a worker of a local cluster)."""
    return int(getattr(numba.config, "NUMBA_NUM_THREADS"))  # noqa: B009  (set at run time)


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _j_nb(v: float) -> float:
    if v <= -0.78:
        return 0.0
    u = v - 0.1
    j = 6.9 + 20.0 * math.log10(math.sqrt(u * u + 1.0) + u)
    return j if j > 0.0 else 0.0


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _w_nb(z, i, j, zt, s, rec):
    """w = h |h| (1/i + 1/(j - i)): orders the samples as v does (see above)."""
    h = z[i] - zt - s * i
    return h * abs(h) * (rec[i] + rec[j - i])


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _f_min_nb(p, q, j, rec):
    """Smallest 1/i + 1/(j - i) over p <= i <= q (convex, least at j / 2)."""
    c = j // 2
    if c < p:
        c = p
    elif c > q:
        c = q
    return rec[c] + rec[j - c]


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _chord_bound_nb(ha, hb, a, b, p, q, j):
    """Upper bound of w over p..q (a < p <= q < b) for samples below the hull chord from
    (a, ha) to (b, hb), both at or below the ray: h_i <= H(i) = alpha + beta i <= 0, so
    w_i <= -H(i)^2 j / (i (j - i)), whose only stationary point is i = alpha j / (beta j +
    2 alpha); slightly raised against rounding."""
    beta = (hb - ha) / (b - a)
    alpha = ha - beta * a
    u = alpha + beta * p
    bound = -u * u * j / (p * (j - p))
    u = alpha + beta * q
    bound = max(bound, -u * u * j / (q * (j - q)))
    den = beta * j + 2.0 * alpha
    if den != 0.0:
        c = alpha * j / den
        if p < c < q:
            u = alpha + beta * c
            bound = max(bound, -u * u * j / (c * (j - c)))
    return bound * (1.0 - 1e-9) if bound < 0.0 else bound * (1.0 + 1e-9)


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _block_max_nb(z, bmax):
    """``bmax[b]``: the highest sample of block b (samples b·_BLOCK .. b·_BLOCK + _BLOCK - 1,
    the antenna's sample 0 left out), for the receiver search's bounds."""
    m = z.shape[0]
    for b in range(bmax.shape[0]):
        top = -np.inf
        for i in range(max(1, b * _BLOCK), min(m, b * _BLOCK + _BLOCK)):
            top = max(top, z[i])
        bmax[b] = top


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _hull_push_nb(z, hull, nh, i):
    """Sample i joins the upper convex hull ``hull[:nh]`` of the samples before it (a stack:
    the vertices it hides are popped first); returns the hull's new size."""
    while nh >= 2 and ((z[hull[nh - 1]] - z[hull[nh - 2]]) * (i - hull[nh - 2])
                       <= (z[i] - z[hull[nh - 2]]) * (hull[nh - 1] - hull[nh - 2])):
        nh -= 1
    hull[nh] = i
    return nh + 1


@numba.njit(cache=NUMBA_CACHE)
def _clear_path_nb(z, j, zt, s, rec, hull, nh, bmax, best, best_i, w_floor):
    """Largest w over the samples between the hull vertices (all at or below the ray), by
    hull segments then blocks, skipping those whose bound is below the best so far or
    ``w_floor``; returns (best, best_i) unchanged when nothing beats them."""
    for k in range(nh - 1):
        a = hull[k]
        b = hull[k + 1]
        if b - a < 2:
            continue
        ha = z[a] - zt - s * a
        hb = z[b] - zt - s * b
        h_end = max(ha, hb)  # the samples between are below the chord
        thr = max(best, w_floor)
        thr = thr - 1e-9 * abs(thr)
        if (-h_end * h_end * _f_min_nb(a + 1, b - 1, j, rec) < thr
                or _chord_bound_nb(ha, hb, a, b, a + 1, b - 1, j) < thr):
            continue
        p = a + 1
        while p < b:
            q = min(b - 1, (p // _BLOCK) * _BLOCK + _BLOCK - 1)
            hub = min(bmax[p // _BLOCK] - zt - (s * p if s >= 0.0 else s * q), h_end)
            thr = max(best, w_floor)
            if -hub * hub * _f_min_nb(p, q, j, rec) >= thr - 1e-9 * abs(thr):
                for i in range(p, q + 1):
                    w = _w_nb(z, i, j, zt, s, rec)
                    if w > best:
                        best = w
                        best_i = i
            p = q + 1
    return best, best_i


@numba.njit(cache=NUMBA_CACHE)
def _receiver_nb(z, j, zt, s, rec, hull, nh, bmax, prev, w_floor, w_least, want_clear):
    """The dominant edge for the receiver at sample j: (its index, whether the path clears 0.55
    of the first Fresnel zone, i.e. every v <= -0.78).

    The edge is exact when its v is above ``w_least`` (in w units; at least the -0.78 floor):
    below it the search may stop early and return a lesser edge, whose loss is then at most
    the loss at ``w_least`` (the smooth-earth loss, which is subtracted: the result is 0
    either way). The Fresnel answer is exact."""
    best = -np.inf
    best_i = 1
    for k in range(nh):  # obstructed: the dominant edge is a hull vertex
        w = _w_nb(z, hull[k], j, zt, s, rec)
        if w > best:
            best = w
            best_i = hull[k]
    if best > 0.0:
        return best_i, False
    if prev < j:  # clear: the previous receiver's edge is a good first bound
        w = _w_nb(z, prev, j, zt, s, rec)
        if w > best:
            best = w
            best_i = prev
    best, best_i = _clear_path_nb(z, j, zt, s, rec, hull, nh, bmax, best, best_i,
                                  max(w_floor, w_least))
    clear = _v_nb(z, best_i, j, zt, s, rec[0]) <= -0.78
    if want_clear and clear and w_least > w_floor:
        # the search above skipped what lies under w_least: look down to the floor
        best, best_i = _clear_path_nb(z, j, zt, s, rec, hull, nh, bmax, best, best_i, w_floor)
        clear = _v_nb(z, best_i, j, zt, s, rec[0]) <= -0.78
    return best_i, clear


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _v_nb(z, i, j, zt, s, wl_step):
    """v of sample i for the receiver at j as the reference computes it: height above the chord
    times sqrt(2 n / (lambda step i (n - i))) (P.526-15 eq. (26))."""
    return (z[i] - zt - s * i) * math.sqrt(2.0 * j / (wl_step * i * (j - i)))


@numba.njit(cache=NUMBA_CACHE)
def _single_ray_nb(z, used, h_tx, h_rx, rec, w_least, want_clear, loss, los, clear, bmax,
                   hull):
    """Line of sight at every sample of one ray; the single-knife-edge loss and the Fresnel
    clearance at the samples marked ``used`` (the others are left as they are). ``rec`` holds
    lambda step at 0 and 1/i at i > 0; ``w_least`` see :func:`_receiver_nb`."""
    m = z.shape[0]
    wl_step = rec[0]
    zt = z[0] + h_tx
    w_floor = -0.78 * 0.78 * wl_step / 2.0  # w of v = -0.78 (J = 0 at and below it)
    _block_max_nb(z, bmax)
    loss[0] = 0.0
    los[0] = True
    clear[0] = True
    max_slope = -np.inf  # largest elevation slope (z_i - zt) / i over 0 < i < j
    nh = 0
    prev = 1
    for j in range(1, m):
        zr = z[j] + h_rx
        los[j] = max_slope * j <= zr - zt
        if j >= 2:
            nh = _hull_push_nb(z, hull, nh, j - 1)  # sample j-1 joins the hull of 1..j-1
            if used[j]:
                s = (zr - zt) / j  # rise of the direct ray per sample
                prev, clear[j] = _receiver_nb(z, j, zt, s, rec, hull, nh, bmax, prev, w_floor,
                                              w_least[j], want_clear)
                loss[j] = _j_nb(_v_nb(z, prev, j, zt, s, wl_step))
        else:
            loss[j] = 0.0
            clear[j] = True
        slope = (z[j] - zt) / j
        if slope > max_slope:
            max_slope = slope


@numba.njit(cache=NUMBA_CACHE)
def bullington_ray(z, used, h_tx, h_rx, rec, step_km, w_least, want_clear, loss, los,
                       clear, veff, bmax, hull):
    """Line of sight at every sample of one ray; the Bullington loss (ITU-R P.1812 sect.
    4.3.1, :func:`bullington_loss_db`) and the Fresnel clearance at the samples ``used``.

    In the tangent frame the slopes of P.1812 are plain slopes: Stim is the running maximum
    of the elevation slopes seen from the antenna (line of sight keeps it anyway), Srim the
    largest slope seen from the receiver, reached on a vertex of the upper hull of the
    samples before it (the hull the single-edge search keeps); a clear path (Stim < Str)
    takes the largest v, found as for the single edge (:func:`_receiver_nb`, exact above
    ``w_least``). ``veff`` (length m, or 0 to skip) receives the equivalent edge's v."""
    m = z.shape[0]
    wl_step = rec[0]
    zt = z[0] + h_tx
    w_floor = -0.78 * 0.78 * wl_step / 2.0
    keep_v = veff.shape[0] > 0
    _block_max_nb(z, bmax)
    loss[0] = 0.0
    los[0] = True
    clear[0] = True
    if keep_v:
        veff[0] = -np.inf
    max_slope = -np.inf  # Stim: the largest elevation slope (z_i - zt) / i over 0 < i < j
    nh = 0
    prev = 1
    for j in range(1, m):
        zr = z[j] + h_rx
        los[j] = max_slope * j <= zr - zt
        if j >= 2:
            nh = _hull_push_nb(z, hull, nh, j - 1)  # sample j-1 joins the hull of 1..j-1
            if used[j]:
                s = (zr - zt) / j  # Str: the rise of the direct ray per sample
                if max_slope < s:  # case 1: every intermediate sample below the ray
                    prev, clear[j] = _receiver_nb(z, j, zt, s, rec, hull, nh, bmax, prev,
                                                  w_floor, w_least[j], want_clear)
                    v = _v_nb(z, prev, j, zt, s, wl_step)
                else:  # case 2: the Bullington point, where the two horizons meet
                    srim = -np.inf
                    for q in range(nh):
                        h = hull[q]
                        srim = max(srim, (z[h] - zr) / (j - h))
                    v = 0.0
                    if max_slope > s:  # else grazing: v = 0
                        i_bp = j * (s + srim) / (max_slope + srim)
                        v = (max_slope - s) * i_bp * math.sqrt(
                            2.0 * j / (wl_step * i_bp * (j - i_bp)))
                    clear[j] = False
                if keep_v:
                    veff[j] = v
                luc = _j_nb(v)
                loss[j] = luc + (1.0 - math.exp(-luc / 6.0)) * (
                    _BULL_DB + _BULL_DB_PER_KM * j * step_km)
        else:
            loss[j] = 0.0
            clear[j] = True
            if keep_v:
                veff[j] = -np.inf
        slope = (z[j] - zt) / j
        if slope > max_slope:
            max_slope = slope


@numba.njit(cache=NUMBA_CACHE)
def smooth_w(z, h_tx, h_rx, rec, out):
    """out[j]: the largest w over the samples 0 < i < j of one ray (exhaustive; for the
    smooth-earth ray, whose loss is subtracted, see :func:`_receiver_nb`)."""
    zt = z[0] + h_tx
    out[0] = -np.inf
    out[1] = -np.inf
    for j in range(2, z.shape[0]):
        s = (z[j] + h_rx - zt) / j
        best = -np.inf
        for i in range(1, j):
            best = max(best, _w_nb(z, i, j, zt, s, rec))
        out[j] = best


@numba.njit(cache=NUMBA_CACHE)
def _best_edge_nb(z, a, b, za, zb, geom):
    """(index, v) of the largest v over the samples a < i < b of the chord (a, za)-(b, zb)."""
    s = (zb - za) / (b - a)
    g = geom[b - a]
    best = -np.inf
    best_i = a + 1
    for i in range(a + 1, b):
        v = (z[i] - za - s * (i - a)) * g[i - a]
        if v > best:
            best = v
            best_i = i
    return best_i, best


@numba.njit(cache=NUMBA_CACHE)
def _deygout_nb(z, j, zt, zr, geom, max_edges, seg, nxt, cand):
    """Deygout loss, receiver at sample j; same construction as :func:`_knife_edges`.

    ``seg``, ``nxt`` (rows: a, b, za, zb) and ``cand`` (rows: v, i, a, b, za, zb) are scratch
    arrays with at least 2 * max_edges + 2 rows.
    """
    seg[0, 0] = 0.0
    seg[0, 1] = j
    seg[0, 2] = zt
    seg[0, 3] = zr
    nseg = 1
    edges = 0
    total = 0.0
    while nseg > 0 and edges < max_edges:
        ncand = 0
        for s in range(nseg):
            a = int(seg[s, 0])
            b = int(seg[s, 1])
            if b - a < 2:
                continue
            i, v = _best_edge_nb(z, a, b, seg[s, 2], seg[s, 3], geom)
            # insert, keeping cand sorted by decreasing v (stable)
            p = ncand
            while p > 0 and cand[p - 1, 0] < v:
                cand[p] = cand[p - 1]
                p -= 1
            cand[p, 0] = v
            cand[p, 1] = i
            cand[p, 2] = a
            cand[p, 3] = b
            cand[p, 4] = seg[s, 2]
            cand[p, 5] = seg[s, 3]
            ncand += 1
        nnew = 0
        for c in range(ncand):
            if edges >= max_edges:
                break
            v = cand[c, 0]
            if v <= -0.78:
                if edges == 0:
                    return 0.0
                continue
            i = int(cand[c, 1])
            total += _j_nb(v)
            edges += 1
            if v <= 0.0:  # within the Fresnel zone but below the ray: no split
                continue
            nxt[nnew, 0] = cand[c, 2]
            nxt[nnew, 1] = i
            nxt[nnew, 2] = cand[c, 4]
            nxt[nnew, 3] = z[i]
            nxt[nnew + 1, 0] = i
            nxt[nnew + 1, 1] = cand[c, 3]
            nxt[nnew + 1, 2] = z[i]
            nxt[nnew + 1, 3] = cand[c, 5]
            nnew += 2
        for s in range(nnew):
            for q in range(4):
                seg[s, q] = nxt[s, q]
        nseg = nnew
    return total


@numba.njit(cache=NUMBA_CACHE)
def _deygout_ray_nb(z, used, h_tx, h_rx, geom, max_edges, loss, los):
    """Line of sight at every sample of one ray, Deygout's loss at the samples ``used``."""
    m = z.shape[0]
    seg = np.empty((2 * max_edges + 2, 4))
    nxt = np.empty((2 * max_edges + 2, 4))
    cand = np.empty((2 * max_edges + 2, 6))
    zt = z[0] + h_tx
    loss[0] = 0.0
    los[0] = True
    max_slope = -np.inf
    for j in range(1, m):
        zr = z[j] + h_rx
        los[j] = max_slope * j <= zr - zt
        if used[j]:
            loss[j] = _deygout_nb(z, j, zt, zr, geom, max_edges, seg, nxt, cand)
        slope = (z[j] - zt) / j
        if slope > max_slope:
            max_slope = slope


@numba.njit(cache=NUMBA_CACHE, parallel=True)
def sweep(zp, used, wl_step, step_km, geom, h_tx, h_rx, max_edges, with_loss, w_least,
              want_clear, loss, los, clear, last):
    """For every ray r and sample j > 0 as the receiver: line of sight, and where
    ``used[r, j]`` (the samples some grid cell takes) the diffraction loss and whether the
    path clears 0.55 of the first Fresnel zone (raw loss 0; when ``want_clear``). Rays run in
    parallel (numba ``prange``). Only the samples up to ``last[r]`` (the farthest one some
    grid cell takes; -1: none) are computed: a receiver's values depend only on the samples
    between it and the site, so the others are never needed (the rest of the ray is left as
    it is).

    zp: (rays, m) ground heights in the tangent frame, sample j at distance j * step;
    wl_step: wavelength times step, m^2; step_km: the step, km; max_edges = 1: single knife
    edge (hull search, see above), exact where its v is above ``w_least[j]`` (w units; -inf:
    everywhere); 0: Bullington (:func:`bullington_ray`, likewise); more: Deygout, with
    geom the (m, m) table of :func:`_geometry_table`, exact everywhere.
    with_loss False: line of sight only.
    """
    n_rays, m = zp.shape
    rec = np.zeros(m)  # lambda step, then 1 / i
    rec[0] = wl_step
    for i in range(1, m):
        rec[i] = 1.0 / i
    for r in numba.prange(n_rays):
        n = last[r] + 1
        if n < 2:
            los[r, 0] = True
            continue
        n_blocks = (n + _BLOCK - 1) // _BLOCK
        z, u = zp[r, :n], used[r, :n]
        if not with_loss:
            _los_ray_nb(z, h_tx, h_rx, los[r, :n])
        elif max_edges == 1:
            _single_ray_nb(z, u, h_tx, h_rx, rec, w_least, want_clear, loss[r, :n],
                           los[r, :n], clear[r, :n], np.empty(n_blocks), np.empty(n, np.int64))
        elif max_edges == 0:
            bullington_ray(z, u, h_tx, h_rx, rec, step_km, w_least, want_clear,
                               loss[r, :n], los[r, :n], clear[r, :n], np.empty(0),
                               np.empty(n_blocks), np.empty(n, np.int64))
        else:
            _deygout_ray_nb(z, u, h_tx, h_rx, geom, max_edges, loss[r, :n], los[r, :n])
            for j in range(n):
                clear[r, j] = loss[r, j] == 0.0


@numba.njit(cache=NUMBA_CACHE, parallel=True)
def heff(zp, curvature, h_tx, step, max_height, out, last):
    """Effective antenna height (:func:`effective_height_m`) for every ray r and sample j as
    the receiver: the antenna's height above the mean ground (zp + curvature: heights above
    sea level again) of the samples between 0.2 d and d (3 and 15 km beyond 15 km), floored
    at ``h_tx`` and capped at ``max_height``; up to sample ``last[r]`` (see
    :func:`sweep`)."""
    n_rays, m = zp.shape
    near = int(math.ceil(_P1546_NEAR_M / step - 1e-9))
    far = min(m - 1, int(math.floor(_P1546_FAR_M / step + 1e-9)))
    for r in numba.prange(n_rays):
        n = last[r] + 1
        if n < 1:
            continue
        top = zp[r, 0] + curvature[0] + h_tx
        prefix = np.empty(n + 1)
        prefix[0] = 0.0
        for k in range(n):
            prefix[k + 1] = prefix[k] + zp[r, k] + curvature[k]
        out[r, 0] = h_tx
        for j in range(1, n):
            if j * step < _P1546_FAR_M - 1e-9:
                lo = int(math.ceil(0.2 * j - 1e-9))
                hi = j
            else:
                lo = near
                hi = far
            h1 = top - (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1)
            out[r, j] = max(h_tx, min(h1, max_height))


@numba.njit(cache=NUMBA_CACHE)
def _los_ray_nb(z, h_tx, h_rx, los):
    """Line of sight at every sample of one ray: the running maximum of elevation slopes."""
    zt = z[0] + h_tx
    los[0] = True
    max_slope = -np.inf
    for j in range(1, z.shape[0]):
        los[j] = max_slope * j <= z[j] + h_rx - zt
        slope = (z[j] - zt) / j
        if slope > max_slope:
            max_slope = slope


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _bilinear_nb(data, inv, x, y):
    """:meth:`Raster.sample` for one point, operation for operation (same float64 result)."""
    rows, cols = data.shape
    col = inv[0] * x + inv[1] * y + inv[2] - 0.5
    row = inv[3] * x + inv[4] * y + inv[5] - 0.5
    if not (col >= -0.5 and row >= -0.5 and col <= cols - 0.5 and row <= rows - 0.5):
        return np.nan
    c0 = int(np.floor(col))
    r0 = int(np.floor(row))
    fc = col - c0
    fr = row - r0
    c0c = min(max(c0, 0), cols - 1)
    c1c = min(max(c0 + 1, 0), cols - 1)
    r0c = min(max(r0, 0), rows - 1)
    r1c = min(max(r0 + 1, 0), rows - 1)
    top = np.float64(data[r0c, c0c]) * (1 - fc) + np.float64(data[r0c, c1c]) * fc
    bottom = np.float64(data[r1c, c0c]) * (1 - fc) + np.float64(data[r1c, c1c]) * fc
    return top * (1 - fr) + bottom * fr


@numba.njit(cache=NUMBA_CACHE, parallel=True)
def ray_ground(data, inv, x0, y0, sin_t, cos_t, d, site_ground, curvature, out, last):
    """Ground heights along the rays in the tangent frame: out[r, k] is the DEM at
    (x0 + sin_t[r] d[k], y0 + cos_t[r] d[k]) (``site_ground`` at k = 0 and where the DEM has
    nodata or does not reach; NaN kept there when ``site_ground`` is NaN) minus
    ``curvature[k]``; for k up to ``last[r]`` (see :func:`sweep`; the rest is left as
    it is)."""
    for r in numba.prange(sin_t.shape[0]):
        out[r, 0] = site_ground - curvature[0]
        for k in range(1, min(last[r] + 1, d.shape[0])):
            g = _bilinear_nb(data, inv, x0 + sin_t[r] * d[k], y0 + cos_t[r] * d[k])
            out[r, k] = (site_ground if np.isnan(g) else g) - curvature[k]


@numba.njit(cache=NUMBA_CACHE, parallel=True)
def sample_grid(data, inv, gx, gy, fill, out):
    """Ground heights at the cells of a grid (out[r, c] at gx[c], gy[r]); ``fill`` for NaN."""
    for r in numba.prange(gy.shape[0]):
        for c in range(gx.shape[0]):
            v = _bilinear_nb(data, inv, gx[c], gy[r])
            out[r, c] = fill if np.isnan(v) else v


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _ray_sample_nb(dx, dy, radius, n_rays, m, step):
    """The nearest ray (by bearing) and sample (by distance) of the point (dx, dy) from the
    site, or (-1, 0) beyond ``radius``."""
    dist = math.hypot(dx, dy)
    if dist > radius:
        return -1, 0
    two_pi = 2.0 * math.pi
    bearing = math.atan2(dx, dy) % two_pi
    k = int(np.rint(bearing * (n_rays / two_pi))) % n_rays
    return k, min(int(np.rint(dist / step)), m - 1)


@numba.njit(cache=NUMBA_CACHE, parallel=True)
def cell_rays(gx, gy, x0, y0, radius, n_rays, m, step, ray, sample, used):
    """Per grid cell (gx[c], gy[r]) within ``radius``: the nearest ray (by bearing) and sample
    (by distance), -1 outside; marks the samples used."""
    for r in numba.prange(gy.shape[0]):
        dy = gy[r] - y0
        for c in range(gx.shape[0]):
            k, j = _ray_sample_nb(gx[c] - x0, dy, radius, n_rays, m, step)
            ray[r, c] = k
            sample[r, c] = j
            if k >= 0:
                used[k, j] = True


@numba.njit(cache=NUMBA_CACHE)
def point_rays(px, py, x0, y0, radius, n_rays, m, step, ray, sample, used):
    """:func:`cell_rays` for scattered points (px[i], py[i])."""
    for i in range(px.shape[0]):
        k, j = _ray_sample_nb(px[i] - x0, py[i] - y0, radius, n_rays, m, step)
        ray[i] = k
        sample[i] = j
        if k >= 0:
            used[k, j] = True


@numba.njit(cache=NUMBA_CACHE)
def sample_points(data, inv, px, py, fill, out):
    """Ground heights at scattered points (out[i] at px[i], py[i]); ``fill`` for NaN."""
    for i in range(px.shape[0]):
        v = _bilinear_nb(data, inv, px[i], py[i])
        out[i] = fill if np.isnan(v) else v


@numba.njit(cache=NUMBA_CACHE, parallel=True)
def gather(ray, sample, ray_loss, ray_clear, ray_los, loss, clear, los):
    """Each grid cell takes the values of its ray sample (``ray`` -1: outside, NaN/False);
    ``clear`` is filled only when it has the grid's shape."""
    with_clear = clear.shape[0] == ray.shape[0]
    for r in numba.prange(ray.shape[0]):
        for c in range(ray.shape[1]):
            k = ray[r, c]
            if k < 0:
                loss[r, c] = np.nan
                los[r, c] = False
                if with_clear:
                    clear[r, c] = False
            else:
                j = sample[r, c]
                loss[r, c] = ray_loss[k, j]
                los[r, c] = ray_los[k, j]
                if with_clear:
                    clear[r, c] = ray_clear[k, j]
