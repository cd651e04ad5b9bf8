"""Models continuous across bands and heights (issue 10, item 2).

Measured defects: the default model switched from COST-231 Hata (<= 2000 MHz) to 3GPP TR 38.901
UMa NLOS (> 2000 MHz) with an 11-22 dB step at 2000 MHz in the suburban default, so 2100 and
2600 MHz cells reached about a fifth of the area physics allows (941 m against 2184 m at
1800 MHz); and UMa has no height gain, so a taller mast gave no range above 2 GHz. The default
is now the Extended Hata model (Report ITU-R SM.2028-2 section 6.1 / SEAMCAT) at every band.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage_gis.config import settings
from coverage_gis.engines import coverage as cov
from coverage_gis.radio import linkbudget, pathloss
from coverage_gis.radio.pathloss import engine_path_loss, extended_hata

ENVIRONMENTS = settings.ENVIRONMENTS  # rural (open area), suburban, urban
FREQS = np.arange(700.0, 3801.0, 1.0)  # 1 MHz steps
DISTANCES = (100.0, 500.0, 1000.0, 3000.0, 10000.0)
HEIGHTS = (15.0, 30.0, 45.0)
UTM = "EPSG:32648"


def default_loss(env: str, d: float, h: float, f: np.ndarray = FREQS) -> np.ndarray:
    """The engine's loss with each band's default model."""
    models = np.array([pathloss.default_model(x, env) for x in f])
    loss = np.empty(f.shape)
    for name in set(models.tolist()):
        sel = models == name
        loss[sel] = engine_path_loss(name, d, f[sel], h, 1.5)
    return loss


# ------------------------------------------------------------------------------------------
# no step at any band edge


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("h", HEIGHTS)
@pytest.mark.parametrize("d", DISTANCES)
def test_no_step_at_any_band_edge(env, d, h):
    loss = default_loss(env, d, h)
    step = np.diff(loss)
    assert np.abs(step).max() < 1.0  # no jump of 1 dB anywhere in 700-3800 MHz
    # beyond the smooth slope (a few hundredths of a dB per MHz): no step at all
    kink = np.abs(np.diff(step))
    assert kink.max() < 0.02
    assert (step > 0).all()  # more loss at a higher band, everywhere


def test_the_old_defaults_had_the_step():
    """Before: COST-231 suburban at 2000 MHz, TR 38.901 UMa NLOS at 2001 MHz."""
    before = [float(engine_path_loss("uma_nlos", d, 2001.0, 30.0, 1.5))
              - float(engine_path_loss("cost231_suburban", d, 2000.0, 30.0, 1.5))
              for d in DISTANCES]
    assert min(before) > 5.0
    after = [float(engine_path_loss("extended_hata_suburban", d, 2001.0, 30.0, 1.5))
             - float(engine_path_loss("extended_hata_suburban", d, 2000.0, 30.0, 1.5))
             for d in DISTANCES]
    assert max(np.abs(after)) < 0.01


@pytest.mark.parametrize("env", ["urban", "suburban", "open"])
def test_the_model_itself_is_continuous_at_1500_2000_and_3000_mhz(env):
    d = np.array([100.0, 1000.0, 10000.0, 30000.0])[:, None]
    for edge in (1400.0, 1500.0, 1600.0, 2000.0, 3000.0):
        below = extended_hata(d, edge, 30.0, 1.5, env, validity="ignore")
        above = extended_hata(d, edge + 1e-6, 30.0, 1.5, env, validity="ignore")
        np.testing.assert_allclose(above, below, atol=1e-4)


# ------------------------------------------------------------------------------------------
# a taller mast never shortens the range


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("band, tech, bw", [(1800.0, "4G", 20.0), (2100.0, "4G", 15.0),
                                            (2600.0, "5G", 100.0), (3700.0, "5G", 100.0)])
def test_range_is_monotone_in_height(env, band, tech, bw):
    eirp = np.arange(30.0, 76.0, 1.0)[:, None]
    height = np.arange(10.0, 101.0, 1.0)[None, :]
    r = linkbudget.max_range_m(eirp, tech, bw, None, band, height, 1.5, environment=env,
                               validity="ignore")
    assert (r > 0).all()
    assert (np.diff(r, axis=1) >= 0).all()  # higher mast, never less range
    assert (np.diff(r, axis=0) >= 0).all()  # more EIRP, never less range
    # and a real gain at the heights masts are built at
    r3 = linkbudget.max_range_m(55.0, tech, bw, None, band, np.array(HEIGHTS), 1.5,
                                environment=env, validity="ignore")
    assert r3[0] < r3[1] < r3[2]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_loss_is_non_increasing_in_height_at_every_distance(env):
    d = np.geomspace(1.0, 50000.0, 200)[:, None]
    h = np.arange(10.0, 101.0, 5.0)[None, :]
    for f in (700.0, 1800.0, 2100.0, 2600.0, 3700.0):
        loss = engine_path_loss(pathloss.default_model(f, env), d, f, h, 1.5)
        assert (np.diff(loss, axis=1) <= 1e-9).all()
        assert (np.diff(loss, axis=0) >= -1e-9).all()


def test_the_issue_figures_2100_against_1800_mhz_suburban():
    """The 2100 MHz range against the 1800 MHz one, same budget, 30 m, suburban, by hand.

    Extended Hata (d >= 0.1 km) differs between the bands only by its frequency terms:
    COST-231's 33.9 log10 f up to 2000 MHz, then 10 log10(f / 2000); the mobile correction
    -a(1.5 m), whose log10 f coefficient is -(1.1 * 1.5 - 1.56) = -0.09; the suburban
    correction, frozen at 2000 MHz::

        dL = 33.9 log10(2000/1800) + 10 log10(2100/2000) - 0.09 log10(2100/1800)
             - 2 [log10(2000/28)^2 - log10(1800/28)^2]
           = 1.551 + 0.212 - 0.006 - 0.336 = 1.421 dB
        ratio = 10^(-dL / (44.9 - 6.55 log10 30)) = 10^(-1.421 / 35.225) = 0.911

    Before: UMa NLOS at 2100 MHz gave 941 m against COST-231's 2184 m at 1800 MHz (0.43).
    """
    d_l = (33.9 * math.log10(2000 / 1800) + 10 * math.log10(2100 / 2000)
           - (1.1 * 1.5 - 1.56) * math.log10(2100 / 1800)
           - 2 * (math.log10(2000 / 28) ** 2 - math.log10(1800 / 28) ** 2))
    assert d_l == pytest.approx(1.421, abs=0.001)
    ratio_by_hand = 10 ** (-d_l / (44.9 - 6.55 * math.log10(30)))
    assert ratio_by_hand == pytest.approx(0.911, abs=0.001)
    for budget in (125.0, 135.0, 145.0):  # ranges about 1-5 km
        r = [float(pathloss.engine_max_range_m(
            pathloss.default_model(f, "suburban"), budget, f, 30.0, 1.5, validity="ignore"))
            for f in (1800.0, 2100.0)]
        assert r[1] / r[0] == pytest.approx(ratio_by_hand, rel=1e-4)
    # mast height matters above 2 GHz now (was 941 m at 25, 30 and 45 m)
    r = pathloss.engine_max_range_m("extended_hata_suburban", 135.0, 2100.0,
                                    np.array([25.0, 30.0, 45.0]), 1.5, validity="ignore")
    assert r[0] < r[1] < r[2]


# ------------------------------------------------------------------------------------------
# reference values


@pytest.mark.parametrize(
    "f, d, env, expected",
    [
        # E. Oughton, pysim5g (an independent implementation of SM.2028-2's Extended Hata),
        # tests/test_path_loss.py, h_BS 20 m, h_UT 1.5 m (its deterministic part):
        (1800.0, 500.0, "urban", 129.12),
        (2100.0, 200.0, "urban", 116.85),  # the 2-3 GHz term
        (1800.0, 5000.0, "open", 132.42),
        (800.0, 500.0, "suburban", 108.51),  # the 150-1500 MHz (Hata) term
        (700.0, 25000.0, "urban", 177.24),  # alpha, beyond 20 km
        (700.0, 50000.0, "open", 164.21),
    ],
)
def test_extended_hata_reference_values(f, d, env, expected):
    assert float(extended_hata(d, f, 20.0, 1.5, env, validity="ignore")) == pytest.approx(
        expected, abs=0.01)


def test_extended_hata_is_cost231_at_1800_mhz_and_hata_below_the_seam():
    # 1500-2000 MHz is COST-231 (the existing reference: 136.2 dB urban, 30 m, 1 km)
    assert float(extended_hata(1000.0, 1800.0, 30.0, 1.5)) == pytest.approx(136.2, abs=0.1)
    for env in ("urban", "suburban", "open"):
        assert float(extended_hata(3000.0, 1800.0, 40.0, 1.5, env)) == pytest.approx(
            float(pathloss.cost231_hata(3000.0, 1800.0, 40.0, 1.5, env)), abs=1e-9)
    # below the 1400-1600 MHz seam, SM.2028's Hata term 69.6 + 26.2 log10 f, by hand
    f = 900.0
    a_hm = (1.1 * math.log10(f) - 0.7) * 1.5 - (1.56 * math.log10(f) - 0.8)
    by_hand = 69.6 + 26.2 * math.log10(f) - 13.82 * math.log10(30.0) - a_hm
    assert float(extended_hata(1000.0, f, 30.0, 1.5)) == pytest.approx(by_hand, abs=1e-9)


def test_extended_hata_above_3ghz_hand_computation():
    """3700 MHz, suburban, 30 m, 1.5 m, 1 km, written out (the > 3 GHz assumption:
    the 3000 MHz value plus 20 log10(f / 3000))::

        F(3000)  = 46.3 + 33.9 log10 2000 + 10 log10 1.5  = 159.966
        + 20 log10(3700 / 3000)                            =   1.821
        - 13.82 log10 30                                   = -20.414
        - a(1.5) = -[(1.1 log10 3700 - 0.7) 1.5 - (1.56 log10 3700 - 0.8)] = -0.071
        suburban: -2 log10(2000 / 28)^2 - 5.4              = -12.274
        L = 129.03 dB
    """
    lf = math.log10(3700.0)
    by_hand = (46.3 + 33.9 * math.log10(2000.0) + 10 * math.log10(1.5)
               + 20 * math.log10(3700.0 / 3000.0) - 13.82 * math.log10(30.0)
               - ((1.1 * lf - 0.7) * 1.5 - (1.56 * lf - 0.8))
               - 2 * math.log10(2000.0 / 28.0) ** 2 - 5.4)
    assert by_hand == pytest.approx(129.03, abs=0.005)
    assert float(extended_hata(1000.0, 3700.0, 30.0, 1.5, "suburban", validity="ignore")
                 ) == pytest.approx(by_hand, abs=1e-9)
    with pytest.raises(ValueError, match="frequency_mhz = 3700 MHz"):
        extended_hata(1000.0, 3700.0, 30.0, 1.5, "suburban", validity="raise")


def test_extended_hata_near_the_mast_follows_seamcat():
    """Below 0.04 km free space over the slant path; 0.04-0.1 km interpolated in log d."""
    f, hb, hm = 1800.0, 30.0, 1.5
    free = 32.4 + 20 * math.log10(f) + 10 * math.log10(0.02**2 + (hb - hm) ** 2 / 1e6)
    assert float(extended_hata(20.0, f, hb, hm, validity="ignore")) == pytest.approx(free)
    l04 = 32.4 + 20 * math.log10(f) + 10 * math.log10(0.04**2 + (hb - hm) ** 2 / 1e6)
    l10 = float(extended_hata(100.0, f, hb, hm))
    share = (math.log10(0.07) - math.log10(0.04)) / (math.log10(0.1) - math.log10(0.04))
    assert float(extended_hata(70.0, f, hb, hm, validity="ignore")) == pytest.approx(
        l04 + share * (l10 - l04))


# ------------------------------------------------------------------------------------------
# validity, per cell


def test_model_validity_codes():
    codes = pathloss.model_validity(
        "extended_hata_suburban", np.array([2000.0, 2000.0, 50.0, np.nan, 2000.0]),
        np.array([1800.0, 3700.0, 1800.0, 1800.0, 3700.0]),
        np.array([30.0, 30.0, 30.0, 30.0, 25.0]), 1.5)
    assert codes.tolist() == ["ok", "frequency_above_range", "distance_below_range", "ok",
                              "frequency_above_range+height_below_range"]
    assert pathloss.model_validity("uma_nlos", 1000.0, 3700.0, 30.0, 1.5).item() == (
        "height_above_range")


def test_cells_say_where_their_model_is_out_of_range():
    rows = [
        {"band_mhz": 1800.0, "technology": "4G", "bandwidth_mhz": 20.0, "height_m": 30.0,
         "eirp_dbm": 60.0},
        {"band_mhz": 3700.0, "technology": "5G", "bandwidth_mhz": 100.0, "height_m": 30.0,
         "eirp_dbm": 60.0},
        {"band_mhz": 2100.0, "technology": "4G", "bandwidth_mhz": 15.0, "height_m": 20.0,
         "eirp_dbm": 60.0},
        {"band_mhz": 1800.0, "technology": "4G", "bandwidth_mhz": 20.0, "height_m": 30.0,
         "eirp_dbm": 10.0},  # range under 0.1 km
        {"band_mhz": 1800.0, "technology": "4G", "bandwidth_mhz": 20.0, "height_m": 30.0,
         "eirp_dbm": -40.0},  # no range at all: the distance is not checked
    ]
    common = {"operator": "Viettel", "azimuth_deg": np.nan, "beamwidth_deg": 360.0,
              "tilt_deg": 0.0, "status": "existing", "tower_id": None, "defaulted": ""}
    cells = gpd.GeoDataFrame(
        [{"site_id": f"S{i}", **common, **r} for i, r in enumerate(rows)],
        geometry=[shapely.Point(600_000.0 + 10 * i, 2_218_000.0) for i in range(len(rows))],
        crs=UTM)
    out = cov.cell_ranges(cells)
    assert (out["model"] == "extended_hata_suburban").all()
    assert out["range_m"].iloc[4] == 0.0 and 0.0 < out["range_m"].iloc[3] < 100.0
    assert out["model_validity"].tolist() == [
        "ok", "frequency_above_range", "height_below_range", "distance_below_range", "ok"]
