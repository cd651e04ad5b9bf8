"""Write the sample's SYNTHETIC land-cover layer: ``data/landcover/landcover.tif``.

    .venv/bin/python data/make_landcover.py          # from the repository root; about 1 s

A classified GeoTIFF in the form of an ESA WorldCover 10 m v200 tile (EPSG:4326, 1/12000 of a
degree, uint8 class codes, nodata 0) over the sample's hamlets plus ``MARGIN_M``, derived from
the sample's own (invented) layers, so it is as synthetic as they are:

- 50 built-up: within ``BUILT_UP_M`` of a household point (the houses and their yards) and
  along the national and provincial roads (``road_class`` trunk/primary, ``ROAD_HALF_WIDTH_M``
  each side);
- 10 tree cover: ground at or above ``HILL_M`` in the sample's DEM (``dem/dem.tif``): the
  limestone ridge west of the commune and the karst hills, which rise from a plain at 4-6 m;
- 40 cropland everywhere else (the paddy land).

Deterministic: a rerun gives the same file. Not real land cover: the real ESA WorldCover tile
of the area (N18E105, CC BY 4.0) can replace it (``[layers] landcover``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.features
import rasterio.warp
from affine import Affine

HERE = Path(__file__).resolve().parent
OUT = HERE / "landcover" / "landcover.tif"

#: ESA WorldCover class codes used here.
TREE_COVER, CROPLAND, BUILT_UP = 10, 40, 50
#: Land cover around the hamlets (m), beyond the coverage grid's 1 km margin.
MARGIN_M = 1500.0
#: Built-up around each household point (m), and half the width of the main roads (m).
BUILT_UP_M = 20.0
ROAD_HALF_WIDTH_M = 8.0
MAIN_ROADS = ("trunk", "primary")
#: Ground height (m) from which the DEM's hills count as tree cover.
HILL_M = 20.0
#: ESA WorldCover's pixel size (degrees): 1/12000°, about 10 m.
PIXEL_DEG = 1.0 / 12000.0
UTM = "EPSG:32648"


def grid() -> tuple[Affine, int, int]:
    """The raster's transform and size: the hamlets' bounds plus MARGIN_M, in WGS 84, snapped
    to WorldCover's pixel grid."""
    hamlets = gpd.read_file(HERE / "boundaries" / "hamlets.geojson").to_crs(UTM)
    box = gpd.GeoSeries(hamlets.envelope.union_all().buffer(MARGIN_M).envelope, crs=UTM)
    west, south, east, north = box.to_crs(4326).total_bounds
    west, south = np.floor(west / PIXEL_DEG) * PIXEL_DEG, np.floor(south / PIXEL_DEG) * PIXEL_DEG
    east, north = np.ceil(east / PIXEL_DEG) * PIXEL_DEG, np.ceil(north / PIXEL_DEG) * PIXEL_DEG
    width = int(round((east - west) / PIXEL_DEG))
    height = int(round((north - south) / PIXEL_DEG))
    return Affine(PIXEL_DEG, 0.0, west, 0.0, -PIXEL_DEG, north), width, height


def ground(transform: Affine, width: int, height: int) -> np.ndarray:
    """The sample DEM's heights (m) on the land-cover grid (bilinear)."""
    out = np.full((height, width), np.nan, dtype=np.float32)
    with rasterio.open(HERE / "dem" / "dem.tif") as dem:
        rasterio.warp.reproject(rasterio.band(dem, 1), out, dst_transform=transform,
                                dst_crs="EPSG:4326", dst_nodata=np.nan,
                                resampling=rasterio.warp.Resampling.bilinear)
    return out


def built_up_shapes() -> gpd.GeoSeries:
    """Houses with their yards and the main roads, buffered in metres, in WGS 84."""
    houses = gpd.read_file(HERE / "households" / "households.gpkg", layer="households")
    roads = gpd.read_file(HERE / "roads" / "roads.geojson")
    roads = roads[roads["road_class"].isin(MAIN_ROADS)]
    shapes = [houses.to_crs(UTM).buffer(BUILT_UP_M), roads.to_crs(UTM).buffer(ROAD_HALF_WIDTH_M)]
    return gpd.GeoSeries(np.concatenate([s.to_numpy() for s in shapes]), crs=UTM).to_crs(4326)


def landcover() -> tuple[np.ndarray, Affine]:
    """The class codes (uint8) and their transform."""
    transform, width, height = grid()
    classes = np.full((height, width), CROPLAND, dtype=np.uint8)
    classes[ground(transform, width, height) >= HILL_M] = TREE_COVER
    built = rasterio.features.rasterize(((g, 1) for g in built_up_shapes()),
                                        out_shape=(height, width), transform=transform,
                                        fill=0, dtype="uint8")
    classes[built == 1] = BUILT_UP
    return classes, transform


def main() -> int:
    classes, transform = landcover()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp.tif")
    profile = {"driver": "GTiff", "width": classes.shape[1], "height": classes.shape[0],
               "count": 1, "dtype": "uint8", "crs": "EPSG:4326", "transform": transform,
               "nodata": 0, "compress": "deflate", "tiled": True, "blockxsize": 256,
               "blockysize": 256}
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(classes, 1)
        dst.update_tags(source="SYNTHETIC sample land cover (data/make_landcover.py), "
                               "ESA WorldCover classes", classes="10 tree cover, 40 cropland, "
                               "50 built-up")
    tmp.replace(OUT)
    codes, counts = np.unique(classes, return_counts=True)
    shares = ", ".join(f"{c}: {n / classes.size:.1%}" for c, n in zip(codes, counts))
    print(f"{OUT.relative_to(HERE.parent)}: {classes.shape[1]} x {classes.shape[0]} px, {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
