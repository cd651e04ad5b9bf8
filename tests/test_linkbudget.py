"""Tests for coverage_gis.radio.linkbudget.

Expected values are the 3GPP resource-block tables and hand calculations written out below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coverage_gis.radio import pathloss
from coverage_gis.radio.linkbudget import (
    DEFAULTS,
    max_range_m,
    reference_signal_eirp_dbm,
    resource_blocks,
    rsrp_dbm,
    technology_key,
)


def test_lte_20mhz_per_re():
    # 20 MHz LTE: 100 RB x 12 subcarriers = 1200 RE; 10 log10(1200) = 30.79 dB
    assert 10 * math.log10(1200) == pytest.approx(30.79, abs=0.005)
    assert reference_signal_eirp_dbm(60.0, "4G", 20.0) == pytest.approx(
        60.0 - 10 * math.log10(1200), abs=1e-12)
    assert reference_signal_eirp_dbm(60.0, "4G", 20.0) == pytest.approx(29.21, abs=0.005)


@pytest.mark.parametrize("bw, n_rb", [(1.4, 6), (3, 15), (5, 25), (10, 50), (15, 75), (20, 100)])
def test_lte_resource_blocks_ts36104(bw, n_rb):
    assert resource_blocks("4G", bw) == n_rb
    assert reference_signal_eirp_dbm(50.0, "LTE", bw) == pytest.approx(
        50.0 - 10 * math.log10(12 * n_rb))


@pytest.mark.parametrize("bw, n_rb", [(100, 273), (40, 106), (20, 51), (10, 24), (5, 11),
                                      (60, 162)])
def test_nr_resource_blocks_ts38104_30khz(bw, n_rb):
    assert resource_blocks("5G", bw) == n_rb
    assert reference_signal_eirp_dbm(70.0, "NR", bw) == pytest.approx(
        70.0 - 10 * math.log10(12 * n_rb))


def test_nr_15khz_and_bad_scs():
    assert resource_blocks("5G", 20, nr_scs_khz=15) == 106
    assert resource_blocks("5G", 10, nr_scs_khz=15) == 52
    with pytest.raises(ValueError, match="nr_scs_khz"):
        resource_blocks("5G", 20, nr_scs_khz=45)


def test_bandwidth_between_standard_values():
    # nearest standard bandwidth below; above the table, proportional (aggregated carriers)
    assert resource_blocks("4G", 12.0) == 50
    assert resource_blocks("4G", 19.9999999999) == 100  # float noise is not a narrower carrier
    assert resource_blocks("4G", 1.0) == 6
    assert resource_blocks("4G", 40.0) == 200
    assert resource_blocks("5G", 55.0) == 133
    assert np.isnan(resource_blocks("4G", np.nan))
    assert np.isnan(resource_blocks("3G", 5.0)) and np.isnan(resource_blocks("2G", 0.2))


def test_umts_cpich_and_gsm_bcch():
    assert reference_signal_eirp_dbm(58.0, "3G", 5.0) == pytest.approx(48.0)
    assert reference_signal_eirp_dbm(58.0, "UMTS", 5.0, cpich_share_db=-7.0) == pytest.approx(51.0)
    assert reference_signal_eirp_dbm(57.0, "2G", 0.2) == pytest.approx(57.0)
    assert reference_signal_eirp_dbm(57.0, "GSM", np.nan) == pytest.approx(57.0)
    assert DEFAULTS["cpich_share_db"] == -10.0


def test_vectorised_over_technologies():
    tech = np.array(["4G", "5G", "3G", "2G", "lte"], dtype=object)
    eirp = np.array([60.0, 70.0, 58.0, 57.0, 63.0])
    bw = np.array([20.0, 100.0, 5.0, 0.2, 10.0])
    out = reference_signal_eirp_dbm(eirp, tech, bw)
    expected = [60 - 10 * math.log10(1200), 70 - 10 * math.log10(12 * 273), 48.0, 57.0,
                63 - 10 * math.log10(600)]
    np.testing.assert_allclose(out, expected, atol=1e-12)
    # one technology for many cells
    assert reference_signal_eirp_dbm(eirp, "4G", 20.0).shape == (5,)


def test_technology_key_aliases():
    keys = technology_key(["LTE", "4g", "NR", "5G NR", "UMTS", "WCDMA", "GSM", "2G"])
    assert keys.tolist() == ["4G", "4G", "5G", "5G", "3G", "3G", "2G", "2G"]
    with pytest.raises(ValueError, match="unknown technology"):
        technology_key(["4G", "WiMAX"])
    with pytest.raises(ValueError, match="unknown technology"):
        reference_signal_eirp_dbm(60.0, None, 20.0)


def test_rsrp_by_hand():
    # 29.21 dBm per RE, 130 dB path loss, -3 dB off boresight, 5 dB terrain, 3 dB body
    assert rsrp_dbm(29.21, 130.0, -3.0, 5.0, 3.0) == pytest.approx(29.21 - 130 - 3 - 5 - 3)
    assert rsrp_dbm(29.21, 130.0, indoor_loss_db=15.0) == pytest.approx(29.21 - 130 - 15)
    out = rsrp_dbm(np.array([29.0, 30.0]), np.array([[120.0], [140.0]]))
    assert out.shape == (2, 2)


@pytest.mark.parametrize("tech, bw, f, hb, model", [
    ("4G", 20.0, 1800.0, 30.0, None),          # COST-231 open
    ("2G", 0.2, 900.0, 40.0, None),            # Hata open
    ("5G", 100.0, 3700.0, 35.0, None),         # TR 38.901 RMa NLOS (bisection)
    ("4G", 10.0, 900.0, 30.0, "hata_suburban"),
    ("3G", 5.0, 2100.0, 30.0, "rma_los"),
])
def test_max_range_inverts_the_link_budget(tech, bw, f, hb, model):
    eirp = 60.0
    threshold = DEFAULTS["threshold_dbm"][tech]
    d = max_range_m(eirp, tech, bw, None, f, hb, 1.5, model=model, validity="ignore")
    assert 100.0 < d < 100_000.0
    name = model or pathloss.default_model(f, "rural")
    loss = pathloss.path_loss(name, d, f, hb, 1.5, validity="ignore")
    level = rsrp_dbm(reference_signal_eirp_dbm(eirp, tech, bw), loss,
                     body_loss_db=DEFAULTS["body_loss_db"])
    assert level == pytest.approx(threshold, abs=0.05)


def test_max_range_monotone_and_vectorised():
    eirp = np.linspace(40.0, 75.0, 36)
    d = max_range_m(eirp, "4G", 20.0, -110.0, 1800.0, 30.0, 1.5, validity="ignore")
    assert d.shape == (36,)
    assert np.all(np.diff(d) >= 0)  # more EIRP never gives less range
    indoor = max_range_m(eirp, "4G", 20.0, -110.0, 1800.0, 30.0, 1.5,
                         indoor_loss_db=DEFAULTS["indoor_loss_db"], validity="ignore")
    assert np.all(indoor <= d) and np.all(indoor[d > 1000] < d[d > 1000])
    # mixed technologies and bands, default models per frequency, default thresholds
    tech = np.array(["4G", "5G", "3G", "2G"], dtype=object)
    out = max_range_m(np.array([60.0, 70.0, 58.0, 57.0]), tech,
                      np.array([20.0, 100.0, 5.0, 0.2]), None,
                      np.array([1800.0, 3700.0, 2100.0, 900.0]), 30.0, validity="ignore")
    assert out.shape == (4,) and np.all(out > 0)
    for i, (e, bw, f) in enumerate([(60.0, 20.0, 1800.0), (70.0, 100.0, 3700.0),
                                    (58.0, 5.0, 2100.0), (57.0, 0.2, 900.0)]):
        assert max_range_m(e, tech[i], bw, None, f, 30.0, validity="ignore") == pytest.approx(
            out[i])
    # the environment changes the default model
    urban = max_range_m(60.0, "4G", 20.0, None, 1800.0, 30.0, environment="urban",
                        validity="ignore")
    assert urban < max_range_m(60.0, "4G", 20.0, None, 1800.0, 30.0, validity="ignore")


def test_default_body_loss_and_handset_height_are_applied():
    """With nothing given, the range is that of a budget 3 dB lower (the documented 3 dB body
    loss) for a handset at 1.5 m, and the outdoor thresholds are the documented ones."""
    by_default = max_range_m(60.0, "4G", 20.0, None, 1800.0, 30.0, validity="ignore")
    explicit = max_range_m(57.0, "4G", 20.0, -110.0, 1800.0, 30.0, h_ut_m=1.5,
                           body_loss_db=0.0, validity="ignore")
    assert by_default == pytest.approx(explicit, rel=1e-9)
    assert DEFAULTS["threshold_dbm"] == {"2G": -100.0, "3G": -100.0, "4G": -110.0,
                                         "5G": -110.0}
