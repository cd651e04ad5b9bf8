"""Radio propagation: path-loss models and sector antenna patterns."""

from coverage_gis.radio.antenna import (
    bearing_deg,
    elevation_deg,
    horizontal_gain_db,
    sector_gain_db,
    vertical_gain_db,
)
from coverage_gis.radio.linkbudget import (
    reference_signal_eirp_dbm,
    resource_blocks,
    rsrp_dbm,
    technology_key,
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
from coverage_gis.radio.terrain import (
    ProfileLoss,
    earth_bulge_m,
    fresnel_radius_m,
    fresnel_v,
    knife_edge_loss_db,
    line_of_sight_grid,
    profile_loss_db,
    site_profile,
    terrain_loss_grid,
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
