"""``coverage-gis site-map`` (issue 10 part 7): one site's maps from a DEM alone, the job of
SPLAT!'s ``-L`` map. The engine's values (the same functions as ``analyze --site-detail``),
the files, a DEM in degrees, bad input, and a process that loads neither pandas nor
geopandas."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Geod, Transformer

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.config.params import CoverageParams
from coverage_gis.engines import coverage as cov
from coverage_gis.engines.site_map import site_cell, site_dem, site_extent, site_map, site_point
from coverage_gis.io.dem import read_dem_window
from coverage_gis.io.landcover import classes_on_grid
from coverage_gis.io.raster import Raster, read_dem
from coverage_gis.outputs.site_map import OUTPUT_NAMES
from coverage_gis.radio import terrain

from .conftest import sample_copy

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "quang_trung.toml"
DEM = ROOT / "data" / "dem" / "dem.tif"
LON, LAT = 105.863922, 20.066798  # the sample's tower BSN-T01


def _sites_csv(folder: Path) -> Path:
    path = folder / "sites.csv"
    path.write_text("site_id,tower_id,operator,technology,band_mhz,bandwidth_mhz,height_m,"
                    "azimuth_deg,eirp_dbm,lon,lat\n"
                    f"S1,T1,Viettel,4G,1800,20,36,,61,{LON},{LAT}\n"
                    f"S2,T1,Viettel,4G,2600,20,36,120,61,{LON},{LAT}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("site_id,azimuth,clutter", [
    ("S1", None, None), ("S2", 120.0, None), ("S1", None, False), ("S2", 120.0, True)])
def test_the_maps_are_site_details(tmp_path, site_id, azimuth, clutter):
    """On the sample's DEM, an omni 1800 MHz cell and a 2600 MHz sector, without the land
    cover, with it, and with its environment per pixel: the level, line of sight and Fresnel
    mask of site-map's engine are analyze --site-detail's, grid cell for grid cell, out to the
    same radius; its path loss less the terrain's and the land cover's parts (each grid cell's
    class looked up in the [clutter] table here) is the model's loss site_detail gives; the
    reference-signal EIRP is cell_ranges'."""
    project = cg.load_project(SAMPLE)
    cells = cg.read_sites(_sites_csv(tmp_path))
    tables = {} if not clutter else {"clutter": {"environment_per_pixel": True}}
    params = CoverageParams.from_scenario(tables)
    landcover = None if clutter is None else project.landcover
    detail = cov.site_detail(cells, site_id, project.hamlets, project.dem, params, landcover)
    grid = detail["grid"]
    dem = cov.dem_on_grid(project.dem, cov.study_grid(project.hamlets, params.resolution_m))
    x, y = detail["cell"].geometry.x, detail["cell"].geometry.y
    row = detail["cell"]
    cell = site_cell("4G", params, band_mhz=row["band_mhz"], height_m=36.0, eirp_dbm=61.0,
                     bandwidth_mhz=20.0, azimuth_deg=azimuth)
    assert cell["model"] == row["model"]
    assert cell["eirp_re_dbm"] == pytest.approx(row["eirp_re_dbm"], abs=1e-9)
    out = site_map(dem, x, y, cell, params, float(row["reach_m"]), landcover)
    # site_detail's window holds the cell's whole reach, its land cover's included (with
    # per-pixel environments it reaches farther than without: the window was cut before)
    assert min(grid.width, grid.height) * grid.resolution_m >= 2 * float(row["reach_m"])
    assert out.transform == grid.transform
    assert (out.width, out.height) == (grid.width, grid.height)
    np.testing.assert_array_equal(out.los, detail["los"])
    np.testing.assert_array_equal(out.fresnel_clear, detail["fresnel_clear"])
    np.testing.assert_allclose(out.level_dbm, detail["level_dbm"], atol=1e-3, equal_nan=True)
    extra = np.zeros(out.level_dbm.shape)
    if landcover is not None:
        classes = classes_on_grid(landcover, grid.crs, grid.transform, grid.width,
                                  grid.height)
        losses = params.clutter_params.losses_db
        extra = np.vectorize(lambda c: losses.get(int(c), 0.0), otypes=[float])(classes)
        assert (extra[np.isfinite(out.level_dbm)] > 0).sum() > 1000  # forest: 6 dB
        assert 0.0 < out.landcover_share < 1.0 and set(out.landcover_classes) >= {10, 40}
    else:
        assert out.landcover_share is None and out.landcover_classes == {}
    np.testing.assert_allclose(out.path_loss_db - out.terrain_loss_db - extra,
                               detail["path_loss_db"], atol=1e-3, equal_nan=True)
    inside = np.isfinite(out.level_dbm)
    assert inside.sum() > 10_000 and (out.terrain_loss_db[inside] > 1.0).any()
    assert not out.los[~inside].any()


def test_a_class_without_a_loss_is_refused(tmp_path, capsys):
    """A land cover with a class the [clutter] table has no loss for: one message naming the
    file and the class, exit 1, nothing written; --no-landcover computes without it."""
    with rasterio.open(DEM) as src:
        profile = src.profile
        classes = np.where(src.read(1) > 50.0, 33, 40).astype(np.float32)  # 33: no loss
    odd = tmp_path / "odd_classes.tif"
    with rasterio.open(odd, "w", **profile) as dst:
        dst.write(classes, 1)
    out = tmp_path / "site"
    argv = ["site-map", str(SAMPLE), "--lon", str(LON), "--lat", str(LAT), "--radius-m",
            "3000", "--out", str(out)]
    assert main([*argv, "--landcover", str(odd)]) == 1
    err = capsys.readouterr().err
    assert "odd_classes.tif: class(es) 33 (" in err and " grid cells)" in err
    assert "[clutter] losses_db" in err and "Traceback" not in err
    assert not out.exists()
    assert main([*argv, "--no-landcover"]) == 0
    record = json.loads((out / "site_map.json").read_text(encoding="utf-8"))
    assert record["method"]["landcover"] is None and record["input"]["no_landcover"] is True
    assert record["summary"]["landcover_coverage_share"] is None


def _run(tmp_path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "site"
    code = main(["-q", "site-map", str(SAMPLE), "--lon", str(LON), "--lat", str(LAT),
                 "--height-m", "36", "--radius-m", "3000", "--out", str(out), *extra])
    return code, out


def test_files(tmp_path):
    """Five Cloud-Optimized GeoTIFFs on one grid with CRS, nodata, units; site_map.json with
    the input as typed, the cell, the method and a summary; the manifest."""
    code, out = _run(tmp_path, "--azimuth-deg", "90", "--technology", "lte")
    assert code == 0
    assert not terrain.compiled_kernels_in_use()  # this process left as it was
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_NAMES)
    record = json.loads((out / "site_map.json").read_text(encoding="utf-8"))
    assert record["input"]["lon"] == str(LON) and record["input"]["azimuth_deg"] == ["90"]
    assert record["cell"]["technology"] == "4G" and record["cell"]["azimuth_deg"] == 90.0
    assert record["cell"]["model_validity"] == "ok"
    assert record["method"]["radius_m"] == 3000.0
    assert record["method"]["terrain_kernels"] in ("ahead-of-time", "numba")
    assert record["site"]["lon"] == pytest.approx(LON) and record["site"]["crs"]
    summary = record["summary"]
    n = summary["cells_within_radius"]
    assert n == pytest.approx(np.pi * 3000.0 ** 2 / 30.0 ** 2, rel=0.02)
    for key in ("line_of_sight_share", "fresnel_clear_share", "at_threshold_share"):
        assert 0.0 < summary[key] <= 1.0
    assert summary["threshold_dbm"] == -110.0
    assert summary["dem_coverage_share"] == 1.0  # the sample's DEM holds the 3 km disc
    grids = set()
    units = {"path_loss_db.tif": "dB", "level_dbm.tif": "dBm", "terrain_loss_db.tif": "dB",
             "los.tif": "", "fresnel_clear.tif": ""}
    for name, unit in units.items():
        with rasterio.open(out / name) as src:
            grids.add((src.transform, src.width, src.height, src.crs.to_epsg()))
            assert src.tags(1).get("units", "") == unit
            data = src.read(1)
            if src.dtypes[0] == "uint8":
                assert set(np.unique(data)) == {0, 1}
                assert int(data.sum()) <= n
            else:
                assert np.isnan(src.nodata) and int(np.isfinite(data).sum()) == n
    assert len(grids) == 1
    from rio_cogeo.cogeo import cog_validate

    for name in units:  # 200 px a side: valid COGs without overviews
        valid, errors, _ = cog_validate(str(out / name))
        assert valid, errors
        with rasterio.open(out / name) as src:
            assert src.overviews(1) == []
    with rasterio.open(out / "path_loss_db.tif") as src:
        loss = src.read(1)
    assert 40.0 < np.nanmin(loss) < np.nanmax(loss) < 250.0


def test_a_disc_beyond_the_dem_is_said(tmp_path, capsys):
    """A disc reaching beyond the DEM: a warning with the share without ground height (taken
    as flat there), the share in site_map.json: against an independent count, the disc's
    cells whose centre is on a DEM pixel holding a height (rasterio's index; bilinear
    sampling differs only in the edge pixels)."""
    out = tmp_path / "site"
    code = main(["site-map", str(SAMPLE), "--lon", str(LON), "--lat", str(LAT),
                 "--radius-m", "20000", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0
    share = json.loads((out / "site_map.json").read_text(encoding="utf-8")
                       )["summary"]["dem_coverage_share"]
    with rasterio.open(out / "path_loss_db.tif") as grid, rasterio.open(DEM) as dem:
        inside = np.isfinite(grid.read(1))
        rows, cols = np.nonzero(inside)
        xs, ys = rasterio.transform.xy(grid.transform, rows, cols)
        r, c = rasterio.transform.rowcol(dem.transform, xs, ys)
        r, c = np.asarray(r), np.asarray(c)
        on = (r >= 0) & (r < dem.height) & (c >= 0) & (c < dem.width)
        heights = dem.read(1, masked=True)
        held = np.zeros(r.size, dtype=bool)
        held[on] = ~np.ma.getmaskarray(heights)[r[on], c[on]]
    assert 0.2 < share < 0.9
    assert share == pytest.approx(held.mean(), abs=0.005)
    assert "warning: dem.tif: no ground height over" in err
    assert f"{round(100 * (1 - share))} % of the 20 km disc" in err
    assert "taken as flat" in err and "Traceback" not in err and ".py:" not in err
    assert main(["-q", "site-map", str(SAMPLE), "--lon", str(LON), "--lat", str(LAT),
                 "--radius-m", "20000", "--out", str(out), "--overwrite"]) == 0
    assert capsys.readouterr().err == ""  # --quiet: errors only


def test_a_site_on_a_dem_void_stands_on_the_ground_around_it(tmp_path, capsys):
    """A void (nodata) at the site: "not on the DEM" before; now the site stands on the
    median of the valid pixels within settings.SITE_GROUND_SEARCH_M, said in a warning and in
    site_map.json (checked against rasterio's own pixel centres)."""
    with rasterio.open(DEM) as src:
        data, profile, transform = src.read(1), src.profile, src.transform
    x, y = Transformer.from_crs(4326, profile["crs"], always_xy=True).transform(LON, LAT)
    row, col = rasterio.transform.rowcol(transform, x, y)
    data = data.astype("float32")
    data[row - 3:row + 4, col - 3:col + 4] = np.nan
    profile.update(dtype="float32", nodata=np.nan)
    voided = tmp_path / "void.tif"
    with rasterio.open(voided, "w", **profile) as dst:
        dst.write(data, 1)
    rows, cols = np.indices(data.shape)
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel())
    near = np.hypot(np.asarray(xs) - x, np.asarray(ys) - y) <= settings.SITE_GROUND_SEARCH_M
    want = float(np.nanmedian(data.ravel()[near]))
    code, out = _run(tmp_path, "--dem", str(voided), "--no-landcover")
    err = capsys.readouterr().err
    assert code == 0
    site = json.loads((out / "site_map.json").read_text(encoding="utf-8"))["site"]
    assert site["ground_from_dem"] is False
    assert site["ground_m"] == pytest.approx(want, abs=0.01)
    assert err == ""  # -q
    assert main(["site-map", str(SAMPLE), "--lon", str(LON), "--lat", str(LAT),
                 "--radius-m", "3000", "--dem", str(voided), "--no-landcover",
                 "--out", str(out), "--overwrite"]) == 0
    assert f"its ground is taken as {want:.0f} m" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:.*of the hamlets. area")
def test_loading_names_the_cells_standing_on_a_dem_void(tmp_path):
    """The analysis takes the same ground for such a mast; loading says which ones."""
    with rasterio.open(DEM) as src:
        data, profile, transform = src.read(1).astype("float32"), src.profile, src.transform
    x, y = Transformer.from_crs(4326, profile["crs"], always_xy=True).transform(LON, LAT)
    row, col = rasterio.transform.rowcol(transform, x, y)
    data[row - 3:row + 4, col - 3:col + 4] = np.nan
    profile.update(dtype="float32", nodata=np.nan)
    with rasterio.open(tmp_path / "void.tif", "w", **profile) as dst:
        dst.write(data, 1)
    scenario = sample_copy(tmp_path, replace={'dem = "dem/dem.tif"':
                                              f'dem = "{(tmp_path / "void.tif").as_posix()}"'})
    with pytest.warns(cg.InputWarning, match=r"no ground height at \d+ cell\(s\) \(site_id "
                      r"VTL-THA-1042-2G900-1, .*median height of the valid pixels within 500 m"):
        cg.load_project(scenario)


def test_warnings_are_one_line_each(tmp_path, capsys):
    """A reader's warning (a DEM with two bands) reaches the terminal as ``warning: ...``,
    not as Python's file, line and source; none with --quiet."""
    two = tmp_path / "two_bands.tif"
    with rasterio.open(DEM) as src:
        profile, data = src.profile, src.read(1)
    profile.update(count=2)
    with rasterio.open(two, "w", **profile) as dst:
        dst.write(np.stack([data, data]))
    out = tmp_path / "site"
    argv = ["site-map", str(SAMPLE), "--dem", str(two), "--lon", str(LON), "--lat", str(LAT),
            "--radius-m", "2000", "--out", str(out), "--overwrite"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == ["warning: two_bands.tif: has 2 bands; using band 1 as ground "
                                "height"]
    assert main(["-q", *argv]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:2227"])
def test_a_dem_not_in_true_metres_is_reprojected(crs):
    """Found by fuzzing: a DEM in US survey feet (EPSG:2227) or Web Mercator (EPSG:3857, 6 %
    long at 20°N) was computed on as if in metres: 800 m east of the site, 138.4 and 120.9 dB
    against 119.8 dB. Flat ground: the same loss, at the same point, as with a UTM DEM."""
    from rasterio.transform import from_bounds
    from rasterio.warp import transform_bounds

    def flat(in_crs: str) -> Raster:
        left, bottom, right, top = transform_bounds("EPSG:4326", in_crs, 105.75, 19.97,
                                                    105.98, 20.17, densify_pts=51)
        return Raster(np.zeros((500, 500), np.float32),
                      from_bounds(left, bottom, right, top, 500, 500), cg.resolve_crs(in_crs))

    lon, lat, _ = Geod(ellps="WGS84").fwd(LON, LAT, 90.0, 800.0)
    losses = []
    for dem in (flat("EPSG:32648"), flat(crs)):
        site = cg.map_site(dem, lon=LON, lat=LAT, height_m=36.0, radius_m=3000.0)
        assert site.crs.to_epsg() == 32648
        x, y = Transformer.from_crs(4326, site.crs, always_xy=True).transform(lon, lat)
        r, c = rasterio.transform.rowcol(site.transform, x, y)
        losses.append(float(site.path_loss_db[r, c]))
    assert losses[1] == pytest.approx(losses[0], abs=0.3)


def test_map_site_in_python(tmp_path):
    """cg.map_site (what the command computes, for Jupyter): the command's rasters value for
    value, as an xarray Dataset with the grid's CRS and cell centres; its arguments checked
    as the command's options are, every problem named as the argument."""
    from coverage_gis.io.landcover import read_landcover

    code, out = _run(tmp_path)
    assert code == 0
    dem = cg.read_dem(DEM)
    landcover = read_landcover(ROOT / "data" / "landcover" / "landcover.tif")
    site = cg.map_site(dem, lon=LON, lat=LAT, height_m=36.0, radius_m=3000.0,
                       landcover=landcover)
    assert (site.lon, site.lat) == (pytest.approx(LON), pytest.approx(LAT))
    ds = site.to_dataset()
    assert ds.rio.crs.to_epsg() == 32648
    for name in ("path_loss_db", "level_dbm", "terrain_loss_db", "los", "fresnel_clear"):
        with rasterio.open(out / f"{name}.tif") as src:
            written = src.read(1)
            x, y = rasterio.transform.xy(src.transform, [0, src.height - 1],
                                         [0, src.width - 1])
        got = ds[name].to_numpy()
        # the Dataset is float32, NaN beyond the radius (the masks' files write 0 there)
        inside = np.isfinite(site.path_loss_db)
        assert got.dtype == np.float32 and np.isnan(got[~inside]).all()
        np.testing.assert_array_equal(got[inside], written[inside].astype(np.float32))
        assert (float(ds.x[0]), float(ds.x[-1])) == (x[0], x[1])
        assert (float(ds.y[0]), float(ds.y[-1])) == (y[0], y[1])
    with pytest.raises(cg.InputError) as bad:
        cg.map_site(dem, lon=LON, lat=LAT, height_m=-5.0, band_mhz=1e9)
    assert len(bad.value.problems) == 2
    assert any(p.startswith("height_m=") for p in bad.value.problems)
    assert any(p.startswith("band_mhz=") for p in bad.value.problems)
    with pytest.raises(cg.InputError, match="technology='6G': expected 2G, 3G, 4G or 5G"):
        cg.map_site(dem, lon=LON, lat=LAT, technology="6G")
    with pytest.raises(cg.InputError, match="lat=105.863922: expected a number of degrees"):
        cg.map_site(dem, lon=LAT, lat=LON)
    with pytest.raises(cg.InputError, match="lon=106.5 lat=20.5 is not on the DEM dem.tif"):
        cg.map_site(dem, lon=106.5, lat=20.5)
    with pytest.raises(cg.InputError, match="radius_m=10: expected at least the grid's "
                                            "resolution, 30 m"):
        cg.map_site(dem, lon=LON, lat=LAT, radius_m=10.0)
    # the files' paths are read as the command reads them (found by fuzzing: a path gave an
    # AttributeError deep inside); anything else is a TypeError naming the argument
    by_path = cg.map_site(str(DEM), lon=LON, lat=LAT, height_m=36.0, radius_m=3000.0,
                          landcover=ROOT / "data" / "landcover" / "landcover.tif")
    np.testing.assert_array_equal(by_path.level_dbm, site.level_dbm)
    for kw, message in ((dict(dem=None), r"map_site: dem=None: expected a Raster"),
                        (dict(dem=dem, landcover=3), r"map_site: landcover=3: expected"),
                        (dict(dem=dem, params={"resolution_m": 10}),
                         r"map_site: params=\{'resolution_m': 10\}: expected CoverageParams")):
        with pytest.raises(TypeError, match=message):
            cg.map_site(**kw, lon=LON, lat=LAT)
    # a raster built by hand is checked when built, and a DEM without a CRS by map_site (found
    # by fuzzing: PROJ's "Invalid projection", "Cannot invert degenerate transform", an
    # unpacking ValueError)
    no_crs = Raster(dem.data, dem.transform, None, "mine")
    with pytest.raises(ValueError, match="map_site: dem='mine' has no CRS"):
        cg.map_site(no_crs, lon=LON, lat=LAT)
    for data, transform, message in (
            (dem.data[0], dem.transform, r"data of shape \(\d+,\): expected a 2-D numpy"),
            (dem.data.tolist(), dem.transform, "data of type list: expected a 2-D numpy"),
            (dem.data, Affine(0, 0, 1, 0, 0, 2), r"transform \(0.0, 0.0, 1.0, 0.0, 0.0, 2.0\): "
                                               "expected an invertible affine.Affine"),
            (dem.data, (30, 0, 1, 0, -30, 2), r"transform \(30, 0, 1, 0, -30, 2\): expected")):
        with pytest.raises(ValueError, match=message):
            Raster(data, transform, dem.crs)


def test_a_dem_in_degrees_is_reprojected_around_the_site(tmp_path):
    """An SRTM-like DEM in WGS 84: the maps are computed in the site's UTM zone at 30 m, and
    agree with the same DEM's projected original (line of sight on 97 % of the disc at
    least: the two DEMs differ by their resampling)."""
    dem = read_dem(DEM)
    geo = dem.reproject("EPSG:4326")
    path = tmp_path / "dem_wgs84.tif"
    with rasterio.open(path, "w", driver="GTiff", width=geo.shape[1], height=geo.shape[0],
                       count=1, dtype="float32", crs="EPSG:4326", transform=geo.transform,
                       nodata=np.nan) as dst:
        dst.write(geo.data, 1)
    params = CoverageParams()
    cell = site_cell("4G", params, height_m=36.0)
    maps = []
    for raster in (read_dem(path), dem):
        x, y, lon, lat = site_point(raster, lon=LON, lat=LAT)
        part = site_dem(raster, x, y, lon, lat, 3000.0, 30.0)
        x, y, _, _ = site_point(part, lon=LON, lat=LAT)
        maps.append(site_map(part, x, y, cell, params, 3000.0))
    assert maps[0].crs.to_epsg() == 32648 and maps[0].resolution_m == 30.0
    inside = np.isfinite(maps[0].path_loss_db)
    assert inside.sum() == pytest.approx(np.pi * 100 ** 2, rel=0.02)
    assert np.mean(maps[0].los[inside] == maps[1].los[inside]) > 0.97
    assert np.nanmedian(np.abs(maps[0].path_loss_db - maps[1].path_loss_db)) < 0.5


def _degree_tiles(folder: Path) -> list[Path]:
    """Four 0.1° tiles at 1 arc-second (SRTM's layout: shared edge rows and columns) of the
    sample's DEM in WGS 84, meeting at 105.9° E, 20.0° N."""
    geo = read_dem(DEM).reproject("EPSG:4326")
    step = 1.0 / 3600.0
    paths = []
    for west in (105.8, 105.9):
        for south in (19.9, 20.0):
            transform = rasterio.transform.from_origin(west - step / 2, south + 0.1 + step / 2,
                                                       step, step)
            heights = np.full((361, 361), np.nan, dtype=np.float32)
            rasterio.warp.reproject(geo.data, heights, src_transform=geo.transform,
                                    src_crs="EPSG:4326", dst_transform=transform,
                                    dst_crs="EPSG:4326", src_nodata=np.nan, dst_nodata=np.nan,
                                    resampling=rasterio.warp.Resampling.bilinear)
            path = folder / f"tile_{west:.1f}_{south:.1f}.tif"
            with rasterio.open(path, "w", driver="GTiff", width=361, height=361, count=1,
                               dtype="float32", crs="EPSG:4326", transform=transform,
                               nodata=np.nan) as dst:
                dst.write(heights, 1)
            paths.append(path)
    return paths


def test_only_the_sites_part_of_the_tiles_is_read(tmp_path):
    """Tiles in degrees: the command reads only the window its site needs (site_extent, by
    read_dem_window), and its maps are those of the whole mosaic, value for value; the
    window is a small part of the tiles. A site off every tile reads them whole and says so
    (the usual message)."""
    import rasterio.warp  # noqa: F401  (the tiles' resampling)

    from coverage_gis.engines.site_map import map_site, site_extent
    from coverage_gis.io.dem import read_dem_window

    tiles = _degree_tiles(tmp_path)
    lon, lat = 105.9, 20.0  # where the four tiles meet
    out = tmp_path / "site"
    assert main(["-q", "site-map", str(SAMPLE), "--dem", *map(str, tiles), "--no-landcover",
                 "--lon", str(lon), "--lat", str(lat), "--height-m", "36", "--radius-m",
                 "3000", "--out", str(out)]) == 0
    whole = read_dem(tiles)
    expected = map_site(whole, lon=lon, lat=lat, height_m=36.0, radius_m=3000.0)
    for name in ("level_dbm", "path_loss_db", "terrain_loss_db", "los", "fresnel_clear"):
        with rasterio.open(out / f"{name}.tif") as src:
            written = src.read(1)
        want = getattr(expected, name)
        if written.dtype == np.uint8:
            np.testing.assert_array_equal(written.astype(bool), want)
        else:
            np.testing.assert_array_equal(written, want)
    box, utm = site_extent(lon, lat, 3000.0, 30.0)
    window = read_dem_window(tiles, box, utm)
    assert window.shape[0] * window.shape[1] < 0.25 * whole.shape[0] * whole.shape[1]
    far = read_dem_window(tiles, site_extent(106.5, 20.5, 3000.0, 30.0)[0], utm)
    assert far.shape == whole.shape  # meets no tile: read whole


@pytest.mark.parametrize("args,message", [
    (["--lon", "106.5", "--lat", "20.07"], "is not on the DEM dem.tif"),
    (["--lon", "20.066798", "--lat", "105.863922"], "(are lon and lat swapped?)"),
    (["--x", "2219106.9", "--y", "590335.2", "--crs", "EPSG:32648"],
     "the coordinates swapped are on it"),
    (["--lon", "105.86", "--lat", "20.07", "--radius-m", "-5"], "--radius-m"),
    # beyond the UTM grid (a traceback before)
    (["--lon", "105.86", "--lat", "84.5"], "lon=105.86 lat=84.5: no UTM zone there"),
    # a disc holding no grid cell: no maps, and a summary of nothing (it crashed the summary)
    (["--lon", "105.86", "--lat", "20.07", "--radius-m", "0.001"],
     "--radius-m=0.001: expected at least the grid's resolution, 30 m"),
    (["--lon", "105.86", "--lat", "20.07", "--radius-m", "29.9"],
     "--radius-m=29.9: expected at least the grid's resolution, 30 m"),
    (["--lon", "105.86", "--lat", "20.07", "--technology", "6G"], "--technology='6G'"),
    (["--lon", "105.86", "--lat", "20.07", "--x", "590000", "--y", "2219000"],
     "give the site once"),
    (["--lat", "20.07"], "give the site"),
    # cadastral metres under a CRS in degrees (found by fuzzing: "no UTM zone there")
    (["--x", "588150", "--y", "2219700", "--crs", "EPSG:4326"],
     "x=588150 y=2219700 (crs EPSG:4326): out of range for EPSG:4326 (WGS 84), a CRS in "
     "degrees"),
    (["--lon", "105.86", "--lat", "20.07", "--dem", "nowhere.tif"], "nowhere.tif: file not found"),
])
def test_bad_input_is_one_message_and_nothing_written(tmp_path, capsys, args, message):
    out = tmp_path / "site"
    assert main(["site-map", str(SAMPLE), *args, "--out", str(out)]) == 1
    err = capsys.readouterr()
    assert message in err.out + err.err
    assert "Traceback" not in err.out + err.err
    assert not out.exists()


def test_a_scenario_without_a_dem_asks_for_one(tmp_path, capsys):
    toml = tmp_path / "s.toml"
    toml.write_text('[scenario]\nname = "no dem"\n[layers]\nhamlets = "h.geojson"\n',
                    encoding="utf-8")
    assert main(["site-map", str(toml), "--lon", "105.86", "--lat", "20.07", "--out",
                 str(tmp_path / "o")]) == 1
    assert ("s.toml: the scenario has no dem layer; give the DEM with --dem FILE"
            in capsys.readouterr().err)


def test_an_existing_folder_is_replaced_only_with_overwrite(tmp_path):
    assert _run(tmp_path)[0] == 0
    assert _run(tmp_path)[0] == 1
    assert _run(tmp_path, "--overwrite")[0] == 0


LEAN = textwrap.dedent("""
    import sys
    from coverage_gis.cli.main import main
    code = main(["-q", "site-map", {scenario!r}, "--lon", "105.863922", "--lat", "20.066798",
                 "--radius-m", "2000", "--out", {out!r}])
    heavy = [m for m in ("pandas", "geopandas", "shapely", "scipy", "numba", "folium")
             if m in sys.modules]
    print(code, ",".join(heavy) or "-")
""")


def test_the_process_loads_no_heavy_library(tmp_path):
    """What makes site-map a short process: neither pandas, geopandas, shapely, scipy nor
    folium is imported; numba neither when the kernels are built ahead of time."""
    from coverage_gis.radio import compiled

    code = LEAN.format(scenario=str(SAMPLE), out=str(tmp_path / "o"))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    status, heavy = run.stdout.split()
    assert status == "0"
    allowed = {"-"} if compiled.load() is not None else {"-", "numba"}
    assert heavy in allowed


@pytest.mark.parametrize("overviews", [True, False])
def test_write_geotiff_overviews_on_request(tmp_path, overviews):
    """io.files.write_geotiff adds overviews unless told not to (site-map's small rasters)."""
    from affine import Affine
    from pyproj import CRS

    from coverage_gis.io.files import write_geotiff

    class Grid:
        transform, width, height, crs = Affine(30, 0, 0, 0, -30, 0), 1100, 1100, CRS(32648)

    data = np.arange(1100 * 1100, dtype=np.float32).reshape(1100, 1100)
    path = write_geotiff(tmp_path / "a.tif", data, Grid(), nodata=float("nan"),
                         description="x", overviews=overviews)
    with rasterio.open(path) as src:
        assert bool(src.overviews(1)) is overviews
        np.testing.assert_array_equal(src.read(1), data)


def test_a_rotated_dem_is_read_north_up(tmp_path):
    """A DEM whose geotransform is rotated (some survey and drone products) was read through a
    window (site-map, init) as if north-up: every height away from where it lies, line of
    sight 40 % of a 10 km disc instead of 47 % for the sample turned 15°. Every reader now
    resamples it onto a north-up grid; the site's maps then match the north-up DEM's."""
    from rasterio.warp import Resampling, reproject

    with rasterio.open(DEM) as src:
        t, profile, data = src.transform, src.profile, src.read(1).astype(np.float32)
    cx, cy = t @ (profile["width"] / 2, profile["height"] / 2)
    turned = (Affine.translation(cx, cy) @ Affine.rotation(15) @ Affine.translation(-cx, -cy)
              @ t)
    out = np.full(data.shape, np.nan, np.float32)
    reproject(data, out, src_transform=t, src_crs=profile["crs"], dst_transform=turned,
              dst_crs=profile["crs"], resampling=Resampling.bilinear, dst_nodata=np.nan)
    profile.update(transform=turned, dtype="float32", nodata=np.nan)
    path = tmp_path / "turned.tif"
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(out, 1)
    lon, lat = 105.865, 20.0646
    box, utm = site_extent(lon, lat, 10_000.0, 30.0)
    readers = {"whole": cg.read_dem(path), "tiles": read_dem([path], bounds=box),
               "site-map's window": read_dem_window([path], box, utm)}
    rows, cols = np.mgrid[10:777:7, 10:828:7]  # the north-up DEM's heights, where they lie
    xs, ys = t @ (cols.ravel() + 0.5, rows.ravel() + 0.5)
    for name, raster in readers.items():
        assert raster.transform.b == 0 and raster.transform.d == 0, name
        r, c = (np.asarray(v) for v in rasterio.transform.rowcol(raster.transform, xs, ys))
        ok = (r >= 0) & (r < raster.data.shape[0]) & (c >= 0) & (c < raster.data.shape[1])
        read = raster.data[r[ok], c[ok]]
        error = np.abs(read - data[rows.ravel()[ok], cols.ravel()[ok]])[np.isfinite(read)]
        assert error.size > 4000 and np.median(error) < 0.2, name  # two resamplings
    maps = [cg.map_site(d, lon=lon, lat=lat, height_m=30.0, radius_m=10_000.0)
            for d in (cg.read_dem(DEM), readers["site-map's window"])]
    disc = np.isfinite(maps[0].path_loss_db) & np.isfinite(maps[1].path_loss_db)
    assert disc.sum() > 200_000
    assert (maps[0].los[disc] == maps[1].los[disc]).mean() > 0.99
