"""Build the package data of the administrative units (coverage_gis/data/admin/) from a
province folder in the reference format.

    python data/make_admin.py                                  # Thanh Hóa, the default folder
    python data/make_admin.py PROVINCE_FOLDER [--dvhcvn DIR]   # any province, same format

A province folder holds ``wards/*.geojson`` (one FeatureCollection per 2025 unit, with
``code``, ``fullName``, ``areaKm2``), ``<code>_<name>.geojson`` (the province outline),
``old_to_new_*.json`` / ``new_to_old_*.json`` (dvhcvn/20250701's mapping, that province's rows)
and optionally the resolution's text (``*_NQ-UBTVQH15.md``). See
``../shared/reference/admin_2025_thanh_hoa/SOURCES.md``.

What the script does:

1. Reads the units (``coverage_gis.io.units.load_units``); ``area_km2`` is the geodesic area
   of the boundary as published, on the WGS 84 ellipsoid.
2. Makes the units a clean polygon coverage in the province's UTM zone (GEOS CoverageCleaner
   via ``shapely.coverage_clean``: vertices within 0.5 m snapped, gaps narrower than 1 m given
   to a neighbour, overlaps of the source given to one of the two units), then simplifies it
   topology-safely (``shapely.coverage_simplify``, Visvalingam-Whyatt on shared edges, 7 m)
   and checks: a valid coverage, every unit within 10 m (Hausdorff) of its cleaned original.
3. Reads the mapping, applies the corrections below (each citing the resolution), adds each
   old unit's district (from a checkout of github.com/dvhcvn/20250701, ``--dvhcvn``: the
   ``address`` of ``output/<province>/<district>/<code>.json``; without it, the districts
   already in the package are kept), and compares every new unit's old units with the
   resolution's item, printing the differences.
4. Writes ``units.parquet`` (GeoParquet, WGS 84) and ``old_to_new.csv``, replacing that
   province's rows and keeping the other provinces'.

Deterministic for given library versions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coverage_gis.io import units as admin  # noqa: E402
from coverage_gis.io.crs import metric_crs  # noqa: E402

#: Simplification tolerance (m): about the width of a road, well under a 30 m raster cell.
TOLERANCE_M = 7.0
#: Largest Hausdorff distance (m) allowed between a simplified unit and its cleaned original.
MAX_HAUSDORFF_M = 10.0
#: Cleaning: vertices this close (m) are snapped together; gaps narrower than this are filled.
SNAP_M = 0.5
GAP_WIDTH_M = 1.0

#: Links of the published mapping that the resolution contradicts, per province:
#: old code -> (the new codes it really went into, the reason). dvhcvn/20250701 was matched
#: by a language model on names; these are name mix-ups of units of the same name.
CORRECTIONS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "38": {
        "14770": (("14797",), "resolution 1686/NQ-UBTVQH15 item 127: the whole of phường Phú "
                              "Sơn (thành phố Thanh Hóa) forms part of phường Hạc Thành; items "
                              "137 and 144 name the Phú Sơn of thị xã Bỉm Sơn (14823) and xã "
                              "Phú Sơn of thị xã Nghi Sơn; the published mapping also sent it "
                              "to 14818 and 16624"),
        "15598": (("15592",), "resolution 1686/NQ-UBTVQH15 item 60: the whole of xã Trường "
                              "Xuân forms part of xã Xuân Lập; item 53 (xã Thọ Xuân) names xã "
                              "Xuân Trường, another unit; the published mapping also sent it "
                              "to 15499"),
    },
}


def default_folder() -> Path:
    for base in (ROOT.parent / "shared", Path("/work/shared")):
        folder = base / "reference" / "admin_2025_thanh_hoa"
        if folder.is_dir():
            return folder
    raise SystemExit("reference folder admin_2025_thanh_hoa not found; give it as argument")


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------

def simplify(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """The units as a clean coverage simplified with :data:`TOLERANCE_M` (WGS 84), and
    figures of the checks (m, m²)."""
    crs = metric_crs(units)
    original = units.to_crs(crs).geometry.to_numpy()
    cleaned = shapely.coverage_clean(original, gap_width=GAP_WIDTH_M, snapping_distance=SNAP_M)
    simple = shapely.coverage_simplify(cleaned, TOLERANCE_M)
    simple = np.array([g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
                       for g in simple], dtype=object)
    hausdorff = shapely.hausdorff_distance(cleaned, simple)
    union = shapely.union_all(simple)
    holes = [shapely.Polygon(r).area for p in shapely.get_parts(union) for r in p.interiors]
    report = {"utm_epsg": float(crs.to_epsg() or 0),
              "hausdorff_max_m": float(hausdorff.max()),
              "hausdorff_p99_m": float(np.percentile(hausdorff, 99)),
              "cleaning_hausdorff_max_m": float(shapely.hausdorff_distance(original,
                                                                           cleaned).max()),
              "overlap_m2": float(shapely.area(simple).sum() - union.area),
              "holes_m2": float(sum(holes)),
              "vertices_before": float(shapely.get_num_coordinates(original).sum()),
              "vertices_after": float(shapely.get_num_coordinates(simple).sum())}
    if not (shapely.is_valid(simple).all() and shapely.coverage_is_valid(simple)):
        raise SystemExit("the simplified units are not a valid coverage")
    if report["hausdorff_max_m"] > MAX_HAUSDORFF_M:
        raise SystemExit(f"simplification moved a boundary {report['hausdorff_max_m']:.1f} m "
                         f"(> {MAX_HAUSDORFF_M} m)")
    out = units.copy()
    out = out.set_geometry(gpd.GeoSeries(simple, crs=crs).to_crs("EPSG:4326").to_numpy())
    return out, report


# --------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------

def apply_corrections(mapping: pd.DataFrame) -> pd.DataFrame:
    """Drop the links :data:`CORRECTIONS` refutes; an old unit left with one new unit went
    into it whole (``share`` full)."""
    out = mapping.copy()
    for province, fixes in CORRECTIONS.items():
        for old, (keep, reason) in fixes.items():
            rows = (out["province_code"] == province) & (out["old_code"] == old)
            if not rows.any():
                continue
            out = out[~rows | out["new_code"].isin(keep)].copy()
            kept = (out["province_code"] == province) & (out["old_code"] == old)
            out.loc[kept, "note"] = reason
            if len(keep) == 1:
                out.loc[kept, "share"] = "full"
    return out.reset_index(drop=True)


def districts_from_dvhcvn(checkout: Path, province: str) -> dict[str, str]:
    """Old code -> district (``"Thị xã Bỉm Sơn"``) from dvhcvn/20250701's per-unit files."""
    out = {}
    for f in sorted((checkout / "output" / province).glob("*/*.json")):
        address = json.loads(f.read_text(encoding="utf-8"))["address"]
        parts = [unicodedata.normalize("NFC", p.strip()) for p in address.split(",")]
        if len(parts) >= 3:
            out[f.stem] = parts[-2]
    if not out:
        raise SystemExit(f"{checkout}: no output/{province}/*/*.json files")
    return out


def add_districts(mapping: pd.DataFrame, districts: dict[str, str] | None) -> pd.DataFrame:
    """Fill ``old_district``: from ``districts``, else from the package's mapping."""
    out = mapping.copy()
    if districts is None and admin.MAPPING_FILE.exists():
        old = admin.load_mapping()
        districts = dict(zip(old["province_code"] + ":" + old["old_code"], old["old_district"]))
        keys = out["province_code"] + ":" + out["old_code"]
    else:
        keys = out["old_code"]
    out["old_district"] = [(districts or {}).get(k, "") for k in keys]
    return out


_ITEM = re.compile(r"(\d+)\\?\. (Sắp xếp .*?)(?= \d+\\?\. |\*\*Điều 2|$)")
_TARGET = re.compile(r"của (?P<olds>.+?) thành (?:xã|phường|đặc khu) mới có tên gọi là "
                     r"(?P<type>xã|phường|đặc khu) (?P<name>[^.]+?)\.?$")
_DROP = re.compile(r"\([^)]*\)|sau khi sắp xếp theo quy định tại .*?Điều này|"
                   r"(một phần )?diện tích tự nhiên(, quy mô dân số)? của|phần còn lại của")
_HEAD = re.compile(r"^(các )?(xã|phường|thị trấn)\s+")


def resolution_members(text: str) -> dict[str, tuple[int, Counter[str]]]:
    """Folded ``"<type> <name>"`` of each new unit -> (item number, folded old names)."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).replace("*", "")
    out = {}
    for number, body in _ITEM.findall(text):
        match = _TARGET.search(body)
        if not match:
            continue
        olds = _DROP.sub(" ", match["olds"])
        names = [_HEAD.sub("", p.strip()) for p in re.split(r",| và ", olds)]
        key = admin.fold(f"{match['type']} {match['name']}")
        out[key] = (int(number), Counter(admin.fold(n) for n in names if n.strip()))
    return out


def check_resolution(mapping: pd.DataFrame, folder: Path) -> list[str]:
    """Differences between each new unit's old units in ``mapping`` and its resolution item."""
    texts = sorted(folder.glob("*NQ-UBTVQH15*.md"))
    if not texts:
        return ["no resolution text (*NQ-UBTVQH15*.md) in the folder: not cross-checked"]
    members = resolution_members(texts[0].read_text(encoding="utf-8"))
    notes = []
    for (code, full), rows in mapping.groupby(["new_code", "new_full_name"]):
        item = members.get(admin.fold(full))
        if item is None:
            unchanged = len(rows) == 1 and admin.fold(rows["old_full_name"].iloc[0]) == \
                admin.fold(full)
            if not unchanged:  # the units kept as they were have no item of their own
                notes.append(f"{code} {full}: no item of the resolution forms it")
            continue
        number, wanted = item
        have = Counter(admin.fold(n) for n in rows["old_name"])
        if have != wanted:
            extra = ", ".join(sorted((have - wanted).elements()))
            missing = ", ".join(sorted((wanted - have).elements()))
            notes.append(f"{code} {full} (item {number}): mapping has also [{extra}], "
                         f"resolution names also [{missing}]")
    return notes


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def _replace(path: Path, write: Callable[[str], object]) -> None:
    """Write ``path`` through a temporary file renamed into place (umask permissions)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write(units: gpd.GeoDataFrame, mapping: pd.DataFrame, out: Path) -> None:
    """Replace this province's rows of the package files (other provinces kept)."""
    out.mkdir(parents=True, exist_ok=True)
    provinces = set(units["province_code"])
    units_file, mapping_file = out / admin.UNITS_FILE.name, out / admin.MAPPING_FILE.name
    if units_file.exists():
        others = gpd.read_parquet(units_file)
        units = pd.concat([others[~others["province_code"].isin(provinces)], units],
                          ignore_index=True)
    if mapping_file.exists():
        others_m = pd.read_csv(mapping_file, dtype=str, keep_default_na=False)
        mapping = pd.concat([others_m[~others_m["province_code"].isin(provinces)], mapping],
                            ignore_index=True)
    units = gpd.GeoDataFrame(units.sort_values(["province_code", "unit_code"]),
                             crs="EPSG:4326").reset_index(drop=True)
    mapping = mapping.sort_values(["province_code", "old_code", "new_code"]).reset_index(
        drop=True)[list(admin.MAPPING_COLUMNS)]
    _replace(units_file, lambda p: units.to_parquet(p, compression="zstd", index=False))
    _replace(mapping_file, lambda p: mapping.to_csv(p, index=False, encoding="utf-8",
                                                    lineterminator="\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="province folder (default: "
                        "../shared/reference/admin_2025_thanh_hoa)")
    parser.add_argument("--dvhcvn", type=Path, metavar="DIR",
                        help="checkout of github.com/dvhcvn/20250701 for the old districts")
    parser.add_argument("--out", type=Path, default=admin.ADMIN_DIR)
    args = parser.parse_args()
    folder = args.folder or default_folder()
    units = admin.load_units(folder)
    simple, report = simplify(units)
    province = str(units["province_code"].iloc[0])
    districts = districts_from_dvhcvn(args.dvhcvn, province) if args.dvhcvn else None
    mapping = add_districts(apply_corrections(admin.load_mapping(folder)), districts)
    unknown = set(mapping["new_code"]) - set(units["unit_code"])
    if unknown:
        raise SystemExit(f"the mapping names new units not in wards/: {sorted(unknown)}")
    write(simple, mapping, args.out)
    print(f"{len(units)} units of province {province} ({units['province_name'].iloc[0]}), "
          f"{mapping['old_code'].nunique()} old units, {len(mapping)} links")
    for key, value in report.items():
        print(f"  {key}: {value:.2f}")
    print(f"  units.parquet: {(args.out / admin.UNITS_FILE.name).stat().st_size} bytes")
    for note in check_resolution(mapping, folder):
        print(f"  resolution check: {note}")


if __name__ == "__main__":
    main()
