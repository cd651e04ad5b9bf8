"""Radio propagation: path-loss models and sector antenna patterns (names imported on first
use, so that ``coverage_gis.radio.pathloss`` loads without numba or shapely)."""

import importlib
from typing import Any

#: public name -> the module of this package that defines it
_EXPORTS = {
    "bearing_deg": "antenna",
    "elevation_deg": "antenna",
    "horizontal_gain_db": "antenna",
    "sector_gain_db": "antenna",
    "vertical_gain_db": "antenna",
    "reference_signal_eirp_dbm": "linkbudget",
    "resource_blocks": "linkbudget",
    "rsrp_dbm": "linkbudget",
    "technology_key": "linkbudget",
    "MODELS": "pathloss",
    "PathLossValidityWarning": "pathloss",
    "cost231_hata": "pathloss",
    "default_model": "pathloss",
    "free_space": "pathloss",
    "max_range_m": "pathloss",
    "okumura_hata": "pathloss",
    "path_loss": "pathloss",
    "tr38901_rma": "pathloss",
    "tr38901_uma": "pathloss",
    "ProfileLoss": "terrain",
    "earth_bulge_m": "terrain",
    "fresnel_radius_m": "terrain",
    "fresnel_v": "terrain",
    "knife_edge_loss_db": "terrain",
    "line_of_sight_grid": "terrain",
    "profile_loss_db": "terrain",
    "site_profile": "terrain",
    "terrain_loss_grid": "terrain",
}

__all__ = [
    "MODELS",
    "PathLossValidityWarning",
    "bearing_deg",
    "cost231_hata",
    "default_model",
    "elevation_deg",
    "free_space",
    "horizontal_gain_db",
    "max_range_m",
    "okumura_hata",
    "path_loss",
    "sector_gain_db",
    "tr38901_rma",
    "tr38901_uma",
    "vertical_gain_db",
    "ProfileLoss",
    "earth_bulge_m",
    "fresnel_radius_m",
    "fresnel_v",
    "knife_edge_loss_db",
    "line_of_sight_grid",
    "profile_loss_db",
    "reference_signal_eirp_dbm",
    "resource_blocks",
    "rsrp_dbm",
    "site_profile",
    "technology_key",
    "terrain_loss_grid",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
