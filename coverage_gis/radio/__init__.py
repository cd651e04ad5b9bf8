"""Radio propagation: path-loss models and sector antenna patterns."""

from coverage_gis.radio.antenna import (
    bearing_deg,
    elevation_deg,
    horizontal_gain_db,
    sector_gain_db,
    vertical_gain_db,
)
from coverage_gis.radio.pathloss import (
    MODELS,
    PathLossValidityWarning,
    cost231_hata,
    default_model,
    free_space,
    max_range_m,
    okumura_hata,
    path_loss,
    tr38901_rma,
    tr38901_uma,
)

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
]
