"""Write the example notebooks of this folder (without outputs).

    .venv/bin/python notebooks/make_notebooks.py

Each notebook is a list of cells below: ``md(...)`` for Markdown, ``code(...)`` for Python.
Cell ids are fixed (``<notebook>-<n>``) so that regenerating gives the same files. The test
suite runs every notebook with nbmake (``.venv/bin/pytest notebooks -q``); nothing is executed
here, so the stored notebooks carry no outputs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(textwrap.dedent(text).strip("\n"))


def write(name: str, cells: list[nbformat.NotebookNode]) -> Path:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    stem = Path(name).stem.split("_", 1)[0]
    for k, cell in enumerate(nb.cells, start=1):
        cell["id"] = f"nb{stem}-{k:02d}"
    nbformat.validate(nb)
    path = HERE / name
    nbformat.write(nb, path)
    return path


# Shared first lines of every notebook: imports and tidy tables.
SETUP = """
    import contextlib
    import warnings

    import numpy as np
    import pandas as pd

    import coverage_gis as cg

    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)


    @contextlib.contextmanager
    def tidy_warnings():
        \"\"\"Collect the warnings of a step and print one line each (the sample gives none)
        instead of long tracebacks. Affine's notice about `*` vs `@`, raised inside rasterio
        when the map reprojects rasters, is not ours and is left out.\"\"\"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", message="Use `@` matmul",
                                    category=PendingDeprecationWarning)
            yield
        for w in caught:
            print(f"warning: {str(w.message).splitlines()[0]}")
"""


# --------------------------------------------------------------------------------------------
# 01 Quick start
# --------------------------------------------------------------------------------------------

NB01 = [
    md("""
    # Quick start: from the commune's layers to measured indicators

    This notebook runs the whole job on the bundled, **illustrative** sample of Quang Trung
    commune (Bỉm Sơn town, Thanh Hóa): load the layers, measure mobile broadband and fibre
    (FTTH) coverage per hamlet (thôn), read the plan's indicators, look at the interactive
    map and a coverage raster, and write every result to a folder.

    Everything runs offline: the map carries its own copy of Leaflet.
    """),
    code(SETUP),
    md("""
    ## 1. Load the project

    `cg.load_project()` reads the bundled scenario (`data/quang_trung.toml`); pass the path
    of your own scenario TOML instead. Every layer is checked on the way in (a bad file
    raises one `cg.InputError` listing every problem) and reprojected to one metric CRS
    (here UTM zone 48N). `project.summary()` lists what was loaded, one row per layer:
    """),
    code("""
    with tidy_warnings():
        project = cg.load_project()
    print(project.scenario.name, "| year", project.scenario.year, "| CRS", project.crs.to_string())
    project.summary()
    """),
    md("""
    Each layer is a GeoDataFrame, e.g. the radio cells (one row per sector) by operator and
    technology:
    """),
    code("""
    project.sites.groupby(["operator", "technology"]).size().unstack(fill_value=0)
    """),
    md("""
    ## 2. Analyse

    `cg.analyze(project)` computes the best-server signal of every cell over a 30 m grid
    (terrain from the DEM, antenna patterns, the scenario's thresholds), measures each hamlet,
    and adds tower sharing (M5), fibre reach (F1, F2) and the sites that would close the
    mobile broadband gaps (`suggest_sites=0` skips those). It takes a few seconds.
    """),
    code("""
    with tidy_warnings():
        result = cg.analyze(project)
    type(result).__name__, list(result.indicators)
    """),
    md("""
    ### Per hamlet

    `result.hamlets` is the table written as `hamlets.csv`. The important columns:

    * `households`: household points in the hamlet;
    * `mobile_broadband_share`: share of households whose grid cell is covered by 4G or 5G:
      −110 dBm outdoors reached with a location probability of at least 90 % (the median
      level 10.25 dB above it, for 8 dB shadowing); `mobile_broadband_covered`: at least
      95 % of them (the plan's test);
    * `ftth_share`: share of homes passed by fibre (a drop box within 300 m along the roads,
      free port or not); `ftth_covered`: the fibre has reached the hamlet's cultural house
      (nhà văn hóa), our reading of how the ministry counts a connected hamlet (an
      assumption, see the README).
    """),
    code("""
    columns = ["hamlet_id", "name", "households", "mobile_broadband_share",
               "mobile_broadband_covered", "ftth_share", "ftth_covered"]
    (result.hamlets[columns].style.hide(axis="index")
     .format({"mobile_broadband_share": "{:.1%}", "ftth_share": "{:.1%}"}, escape="html"))
    """),
    md("""
    Thôn Yên Sơn (QT04), behind a limestone ridge with only 2G/3G nearby, has no mobile
    broadband; Thôn Bình Minh (QT06) has no fibre yet.

    ### The plan's indicators

    * **M4**: hamlets covered by mobile broadband / all hamlets (map);
    * **M5**: towers used by two or more operators / all towers (map);
    * **F1**: FTTH subscriptions / households (commune statistics);
    * **F2**: hamlets reached by fibre / all hamlets (map).
    """),
    code("""
    ind = result.indicators
    details = {
        "M4": f"{ind['M4'].covered_hamlets} of {ind['M4'].hamlets} hamlets",
        "M5": f"{ind['M5'].existing.shared} of {ind['M5'].existing.total} existing towers",
        "F1": (f"{ind['F1'].ftth_subscriptions} subscriptions / "
               f"{ind['F1'].households} households ({ind['F1'].year})"),
        "F2": (f"{ind['F2'].covered_hamlets} of {ind['F2'].hamlets} hamlets; short: "
               f"{', '.join(ind['F2'].short_hamlets) or 'none'}"),
    }
    indicators = pd.DataFrame([
        {"indicator": key, "value": ind[key].value, "target": ind[key].target,
         "met": ind[key].value >= ind[key].target, "detail": details[key],
         "source": ind[key].source}
        for key in ("M4", "M5", "F1", "F2")]).set_index("indicator")
    indicators.style.format({"value": "{:.0%}", "target": "{:.0%}"})
    """),
    md("""
    The rule behind each map indicator is stored with it, as a code and its parameters (the
    outputs put it into words):
    """),
    code("""
    from coverage_gis.outputs.indicators import rule_text, sharing_method_text

    for key in ("M4", "F2"):
        print(f"{key}: {ind[key].rule} {dict(ind[key].rule_params)}")
        print(f"    {rule_text(ind[key])}")
    print(f"M5: {sharing_method_text(ind['M5'].existing.method)}")
    """),
    md("""
    ## 3. The interactive map

    `cg.maps.coverage_map(result, lang="en")` builds the map (`lang="vi"` for Vietnamese
    labels): hamlets coloured by their mobile broadband share (the fibre share is another
    layer), cells as sector wedges, planned sites, coverage rasters, households, fibre routes
    and boxes, roads. Switch layers on and off at the top right; hover for details. There is
    no base map by default: an OpenStreetMap layer is offered, switched off, and only that
    layer would need the Internet.
    """),
    code("""
    with tidy_warnings():
        commune_map = cg.maps.coverage_map(result, lang="en")
    commune_map
    """),
    md("""
    The notebook shows the map in an `<iframe srcdoc=...>` holding a self-contained page:
    Leaflet's script and stylesheet are inlined, nothing is loaded from a CDN. A quick check
    of what the cell above displayed:
    """),
    code("""
    import html
    import re

    shown = commune_map._repr_html_()  # what Jupyter puts in the output cell
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    external = re.findall(r"<(?:script|link|img|iframe)\\b[^>]*\\b(?:src|href)\\s*=\\s*[\\"']?"
                          r"\\s*(?:https?:)?//[^\\"' >]*", page, flags=re.I)
    print(f"iframes: {shown.count('<iframe')}, page: {len(page) / 1e6:.1f} MB, "
          f"Leaflet inlined: {'Leaflet 1.9.4' in page}, external scripts/styles: {len(external)}")
    assert shown.count("<iframe") == 1 and 'srcdoc="' in shown
    assert "Leaflet 1.9.4" in page and not external
    """),
    md("""
    ## 4. One raster: best-server 4G level

    `result.coverage.level_dbm["4G"]` is the best-server 4G RSRP (dBm) on the analysis grid
    (`result.coverage.grid`: 30 m cells over the hamlets plus 1 km), a plain NumPy array.
    `result.coverage.covered` holds the 0/1 masks: the threshold reached with the target
    location probability (90 %), so the mask is smaller than the share of the grid whose
    median level reaches the threshold, printed beside it.
    """),
    code("""
    level = result.coverage.level_dbm["4G"]
    grid = result.coverage.grid
    threshold = result.coverage.params.thresholds_dbm["4G"]
    print(f"grid: {grid.height} x {grid.width} cells of {grid.resolution_m:g} m, CRS {grid.crs.to_string()}")
    print(f"4G RSRP: min {np.nanmin(level):.1f} dBm, max {np.nanmax(level):.1f} dBm")
    print(f"share of the grid whose median is at or above {threshold:g} dBm: "
          f"{np.mean(level >= threshold):.1%}; covered with 90 % location probability "
          f"(mask covered['4G']): {result.coverage.covered['4G'].mean():.1%}")
    """),
    md("""
    The same grid in the map's signal classes:
    """),
    code("""
    bins = [-np.inf, -110, -100, -90, np.inf]
    names = ["below -110 dBm (weak, not covered)", "-110 to -100 dBm (fair)",
             "-100 to -90 dBm (good)", "-90 dBm and above (excellent)"]
    classes = pd.cut(pd.Series(level.ravel()), bins, right=False, labels=names)
    classes.value_counts(normalize=True, sort=False).rename("share of grid").to_frame().style.format("{:.1%}")
    """),
    md("""
    ## 5. Write everything

    `cg.write_analysis(result, folder, lang=...)` writes the files `coverage-gis analyze`
    writes: `hamlets.csv`, `cells.csv`, `towers.csv`, `sharing_candidates.csv`, fibre GeoJSON
    and CSV, `map.html` (the offline map), `summary.json` (indicators and parameters) and
    GeoTIFF rasters. Here into a temporary folder that is deleted afterwards:
    """),
    code("""
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "quang_trung"
        with tidy_warnings():
            written = cg.write_analysis(result, out, lang="en")
        files = pd.DataFrame({"file": [str(p.relative_to(out)) for p in written],
                              "kB": [round(p.stat().st_size / 1e3, 1) for p in written]})
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    print(f"{len(files)} files; summary.json indicators: {', '.join(summary['indicators'])}")
    files
    """),
]


# --------------------------------------------------------------------------------------------
# 02 Check a proposed tower
# --------------------------------------------------------------------------------------------

NB02 = [
    md("""
    # Checking a proposed tower (the land officer's workflow)

    An operator asks the commune for land to build a tower. The request gives the position
    as on the cadastral map, in **VN-2000 / TM-3** (Thanh Hóa's zone: central meridian 105°,
    `vn2000-thanhhoa`), and the antenna. The land officer (cán bộ địa chính) wants to know:

    1. where the point is (inside the commune? which hamlet, thôn?);
    2. whether an existing tower nearby could be shared instead;
    3. what it brings: households and hamlets newly covered by 4G/5G, M4 before and after;
    4. whether it is too close to a school, kindergarten, health station, heritage site,
       the commune office or a dwelling;
    5. a verdict, and a printable page for the file.

    `coverage-gis check-site` on the command line gives the same answer; here it is step by
    step in Python. Sample data are illustrative.
    """),
    code(SETUP),
    code("""
    import shapely
    from IPython.display import HTML, display

    from coverage_gis.engines import placement
    from coverage_gis.engines.placement import ProposedSite
    from coverage_gis.outputs.check import check_json, reason_texts, sharing_text
    from coverage_gis.outputs.check_page import check_html

    with tidy_warnings():
        project = cg.load_project()
        # today's coverage, reused by every check below (suggestions come in section 5)
        result = cg.analyze(project, suggest_sites=0)
    base = result.coverage
    print(f"M4 today: {result.indicators['M4'].value:.0%} "
          f"({result.indicators['M4'].covered_hamlets} of {result.indicators['M4'].hamlets} hamlets)")
    """),
    md("""
    ## 1. Where is the point?

    The request: Viettel, 4G at 1800 MHz, antennas 35 m above ground, three sectors (0°,
    120°, 240°), at x = 588150, y = 2219700 in VN-2000 / TM-3. `placement.locate_point`
    moves it to the project's metric CRS (with the official VN-2000 shift) and checks it lies
    in the study area.
    """),
    code("""
    point = placement.locate_point(project, x=588150, y=2219700, crs="vn2000-thanhhoa")
    proposal = ProposedSite("Viettel", "4G", band_mhz=1800, height_m=35, azimuths_deg=[0, 120, 240])
    print(f"in {project.crs.to_string()}: x = {point.x:.1f}, y = {point.y:.1f}")
    """),
    md("""
    ## 2. The check

    `placement.check_site` runs the real coverage engine for the three new cells only and
    adds them to today's best-server grids (`base=`; without it the whole commune is
    recomputed). It returns a `CheckResult`: values and codes (reasons such as `new_tower`
    or `too_close` with their numbers). The outputs put them in words, in English
    (`reason_texts(check, "en")`, and `check_json`, the content of `check.json`) or
    Vietnamese (`"vi"`, as on the printable page).
    """),
    code("""
    with tidy_warnings():
        check = placement.check_site(project, proposal, point, base=base)
    loc = check.location
    print(f"Location: {loc.lon:.6f}, {loc.lat:.6f} (WGS 84); inside the commune: "
          f"{loc.inside_commune}; hamlet {loc.hamlet_id} {loc.hamlet_name}")
    print(f"Verdict: {check.verdict.upper()}")
    for reason, text in zip(check.reasons, reason_texts(check, "en")):
        print(f"  - {text}  [{reason.code}]")
    """),
    md("""
    ### Coverage gain

    Households newly covered by 4G/5G (−110 dBm outdoors reached with 90 % location
    probability), and M4 before and after. A hamlet counts as covered when 95 % of its
    households are.
    """),
    code("""
    gain = check.coverage_gain
    pd.DataFrame({
        "before": [f"{gain.m4_before:.0%}", "", ""],
        "after": [f"{gain.m4_after:.0%}", gain.households_newly_covered,
                  ", ".join(gain.hamlets_newly_covered) or "none"],
    }, index=["M4 (hamlets covered)", "households newly covered by 4G/5G",
              "hamlets newly covered"])
    """),
    md("""
    ### Nearest towers and sharing

    An existing tower of another operator within 500 m (100 m in urban areas) would mean
    "share instead of building".
    """),
    code("""
    print(sharing_text(check, "en"))
    pd.DataFrame(check.nearest_towers)
    """),
    md("""
    ### Constraints

    Minimum distances from the scenario's constraints layer (per kind, or its
    `min_distance_m` column) and from the nearest dwelling (10 m):
    """),
    code("""
    pd.DataFrame(check_json(check)["constraints"])
    """),
    md("""
    ### The printable page

    `check_html` gives one self-contained page (no scripts, an SVG map) for the file; the
    command writes it as `check.html`. It is shown here in a frame so that its print styles
    stay inside it.
    """),
    code("""
    import html

    page = check_html(check, project, point)
    display(HTML(f'<div><iframe srcdoc="{html.escape(page, quote=True)}" '
                 'style="width:100%;height:1250px;border:1px solid #ccc"></iframe></div>'))
    """),
    md("""
    ## 3. A conflict: too close to the school

    The same proposal, moved next to the primary school of the constraints layer. The
    officer gets the school's position in VN-2000 (as on the cadastral map) and adds 20 m
    eastwards:
    """),
    code("""
    project.constraints.drop(columns="geometry")
    """),
    code("""
    vn2000 = cg.resolve_crs("vn2000-thanhhoa")
    school = project.constraints[project.constraints["kind"] == "school"]
    sx, sy = school.to_crs(vn2000).geometry.iloc[0].coords[0]
    near_school = placement.locate_point(project, x=sx + 20, y=sy, crs="vn2000-thanhhoa")

    with tidy_warnings():
        conflict = placement.check_site(project, proposal, near_school, base=base)
    print(f"School {school['name'].iloc[0]} at x = {sx:.1f}, y = {sy:.1f} (VN-2000 / TM-3)")
    print(f"Verdict: {conflict.verdict.upper()}")
    for reason in reason_texts(conflict, "en"):
        print(f"  - {reason}")
    pd.DataFrame(check_json(conflict)["constraints"]).query("not ok")
    """),
    md("""
    ## 4. Bad input

    The habit of Vietnamese surveys is to write X for the northing and Y for the easting, so
    x and y often arrive swapped. `locate_point` refuses a point outside the study area and
    says what probably went wrong (`cg.InputError`, a `ValueError`); likewise lon/lat given
    the wrong way round:
    """),
    code("""
    for kwargs in ({"x": 2219700, "y": 588150, "crs": "vn2000-thanhhoa"},
                   {"lon": 20.065252, "lat": 105.844640}):
        try:
            placement.locate_point(project, **kwargs)
        except cg.InputError as err:
            print(f"{kwargs}\\n  -> InputError: {err}\\n")
    """),
    md("""
    A caution: a wrong CRS that still lands inside the study area cannot be detected. The
    same numbers read as VN-2000 / UTM zone 48 (`vn2000-utm48`) instead of TM-3 land several
    hundred metres away and are accepted. Always compare the hamlet found with the one named
    in the request.
    """),
    code("""
    other = placement.locate_point(project, x=588150, y=2219700, crs="vn2000-utm48")
    hamlet = project.hamlets[project.hamlets.contains(other)]
    where = (", ".join(hamlet["hamlet_id"] + " " + hamlet["name"]) if len(hamlet)
             else "outside every hamlet")
    print(f"accepted, {other.distance(point):.0f} m from the right position: {where} "
          f"(the request named QT04 Thôn Yên Sơn)")
    """),
    md("""
    ## 5. Where should towers go? Suggestions

    `placement.suggest_sites` chooses greedily among existing towers (sharing first) and a
    400 m grid of allowed points near the uncovered households, each carrying a three-sector
    4G site, until M4 reaches 100 % or `max_sites` are chosen. Here it stops after one site:
    that one already brings M4 to 100 %.
    """),
    code("""
    with tidy_warnings():
        found = placement.suggest_sites(project, max_sites=2, base=base)
    print(f"{found.candidates} candidates; M4 before: {found.m4_before:.0%}")
    suggestions = found.table
    suggestions.drop(columns="geometry")
    """),
    md("""
    The suggested point can be checked like any request (its constraints, sharing, gain),
    with the suggested site itself: the three-sector 4G site of `settings.SUGGESTED_SITE`
    at the suggested azimuths, here as Viettel's request:
    """),
    code("""
    from coverage_gis.config import settings

    best = suggestions.iloc[0]
    spot = placement.locate_point(project, lon=best["lon"], lat=best["lat"])
    site = settings.SUGGESTED_SITE
    suggested = ProposedSite("Viettel", "4G", band_mhz=site["band_mhz"], height_m=site["height_m"],
                             azimuths_deg=[float(a) for a in best["azimuths_deg"].split(", ")],
                             eirp_dbm=site["eirp_dbm"], tilt_deg=site["tilt_deg"],
                             beamwidth_deg=site["beamwidth_deg"])
    with tidy_warnings():
        again = placement.check_site(project, suggested, spot, base=base)
    where = again.location
    hamlet = (where.hamlet_id or f"none (nearest {where.nearest_hamlet_id}, "
                                 f"{where.nearest_hamlet_distance_m:.0f} m away)")
    print(f"Verdict: {again.verdict.upper()}; hamlet: {hamlet}; M4 "
          f"{again.coverage_gain.m4_before:.0%} -> {again.coverage_gain.m4_after:.0%}")
    for reason in reason_texts(again, "en"):
        print(f"  - {reason}")
    """),
    md("""
    Candidates are searched only on the unit's territory: the 2025 ward when the scenario
    names one, as here (`inside_commune` is true for every pick), else the commune layer,
    else the hamlets; `suggest-sites` and `analyze` search the same. A point just outside
    might gain as much, but building there is for the neighbouring unit to decide.
    """),
    md("""
    ## 6. The proposed tower's own maps

    `cg.map_site` computes one antenna's maps from the DEM (and the land cover) alone, what
    `coverage-gis site-map` writes: path loss, received level, terrain loss, line of sight
    and first-Fresnel-zone clearance, out to a radius. Here the first sector of the request
    (azimuth 0°), 3 km around it, with the scenario's `[coverage]` parameters, as an xarray
    Dataset (CRS set) to plot or save with `rio.to_raster`:
    """),
    code("""
    from coverage_gis.config.params import CoverageParams

    params = CoverageParams.from_scenario(project.scenario.parameters)
    with tidy_warnings():
        site = cg.map_site(project.dem, lon=loc.lon, lat=loc.lat, technology="4G",
                           band_mhz=1800, height_m=35, azimuth_deg=0, radius_m=3000,
                           params=params, landcover=project.landcover)
    maps = site.to_dataset()
    inside = maps.level_dbm.notnull()
    print(f"{int(inside.sum())} grid cells of {site.resolution_m:g} m; line of sight "
          f"{float(maps.los.where(inside).mean()):.0%}; level >= -110 dBm "
          f"{float((maps.level_dbm >= -110).where(inside).mean()):.0%} of the disc")
    maps.level_dbm.plot(cmap="viridis", vmin=-130, vmax=-60, figsize=(6, 5))
    """),
]


# --------------------------------------------------------------------------------------------
# 03 Fibre gaps
# --------------------------------------------------------------------------------------------

NB03 = [
    md("""
    # Fibre (FTTH) reach and the gaps

    The plan asks for every hamlet (thôn) to be reached by fibre (F2 = 100 %) and 75 % of
    households on FTTH (F1). This notebook measures reach on the Quang Trung sample
    (illustrative data):

    * a home is **passed** when a drop box (FAT; splitters feed boxes, not homes) is within
      the drop length (300 m by default) **along the roads**, not as the crow flies, whatever
      its ports; it is **connectable** when that box also has a free port;
    * a hamlet is **reached** when its cultural house (nhà văn hóa) is passed, our reading
      of how the ministry counts a connected hamlet (an assumption, see the README);
    * for a hamlet short of that, the shortest new cable along the roads from today's
      network closes the gap.
    """),
    code(SETUP),
    code("""
    from coverage_gis.engines import fibre

    with tidy_warnings():
        project = cg.load_project()
        fr = fibre.compute_fibre(project.households, project.hamlets, project.roads,
                                 project.access_points, project.fibre, project.statistics, 2025)
    print(f"{len(project.households)} households, {len(project.access_points)} boxes, "
          f"{len(project.fibre)} route pieces, {len(project.roads)} roads")
    print(f"default parameters: {fr.params}")
    """),
    md("""
    ## 1. Merging the operators' route files

    Operators' KML exports cut a route into pieces ("đoạn 1, 2, ..."), store some of them
    backwards and leave the ends a few metres apart. Piece ends within 5 m are snapped
    together and joined into continuous routes. Viettel's file:
    """),
    code("""
    viettel = fr.snaps[fr.snaps["operator"] == "Viettel"]
    pieces = (project.fibre["operator"] == "Viettel").sum()
    merged = (fr.routes["operator"] == "Viettel").sum()
    print(f"Viettel: {pieces} pieces -> {merged} routes; {len(viettel)} joints, "
          f"{viettel['snapped'].sum()} of them snapped (largest gap {viettel['gap_m'].max():.1f} m)")
    viettel[["route_id", "from_name", "from_reversed", "to_name", "to_reversed", "gap_m", "snapped"]]
    """),
    md("""
    The merged routes, with the pieces found stored backwards:
    """),
    code("""
    (fr.routes.drop(columns="geometry")
     [["route_id", "operator", "name", "pieces", "reversed_pieces", "length_m"]]
     .round({"length_m": 0}))
    """),
    md("""
    ## 2. Per hamlet

    * `ftth_share`: homes passed / households;
    * `within_reach_share`: homes within the drop length of some box, ports or not;
    * `homes_port_limited`: within reach, but the boxes within reach have no port left for
      them however their ports are shared out: more ports (or a splitter) would connect them
      without new cable;
    * `cultural_house_reached`, `ftth_covered`: the hamlet rule.
    """),
    code("""
    table = fr.hamlets.merge(project.hamlets[["hamlet_id", "name"]], on="hamlet_id")
    columns = ["hamlet_id", "name", "households", "homes_passed", "ftth_share",
               "within_reach_share", "homes_port_limited", "cultural_house_reached", "ftth_covered"]
    (table[columns].style.hide(axis="index")
     .format({"ftth_share": "{:.1%}", "within_reach_share": "{:.1%}"}, escape="html"))
    """),
    md("""
    Each household's own result is in `fr.reach` (distance along the roads to the nearest
    box, which box gives it a port):
    """),
    code("""
    fr.reach.drop(columns="geometry").head()
    """),
    md("""
    ## 3. F1 and F2, and homes passed

    **F2** is measured on the map (hamlets reached / hamlets). **F1** comes from the commune
    statistics: FTTH subscriptions / households. Homes passed is the network's side of F1:
    the share of homes that could subscribe today without new cable.
    """),
    code("""
    f1, f2 = fr.indicators["F1"], fr.indicators["F2"]
    ports_used = f1.ports_used  # the drop boxes' (splitters and OLTs feed boxes, not homes)
    # the reading below relies on this: take-up below the target, homes passed above it
    assert f1.value < f1.target <= f1.homes_passed_share
    pd.DataFrame({
        "value": [f"{f2.value:.0%} ({f2.covered_hamlets} of {f2.hamlets} hamlets)",
                  f"{f1.value:.1%} ({f1.ftth_subscriptions} of {f1.households} households, {f1.year})",
                  f"{f1.homes_passed_share:.1%} ({f1.homes_passed} of {f1.households_on_map})",
                  f"{f1.within_reach_share:.1%}",
                  f"{ports_used}"],
        "target": [f"{f2.target:.0%}", f"{f1.target:.0%}", "", "", ""],
    }, index=["F2 hamlets reached (map)", "F1 FTTH subscriptions (statistics)",
              "homes passed (map)", "homes within reach, ports or not (map)",
              "ports in use in the drop boxes"])
    """),
    md("""
    Reading it, on the sample: F1 (take-up, from the statistics) is below the 75 % target,
    while homes passed (the map) is above it: the network already passes enough homes, and
    connecting more of them can close the gap. Homes passed are not all connectable (some
    boxes are full): more ports or splitters in the existing boxes come first, new cable
    (QT06, the hamlet F2 counts short) second. And when subscriptions exceed the ports
    recorded as used in the drop boxes, the boxes layer is missing connections: worth
    checking with the operators.
    """),
    code("""
    print(f"subscriptions {f1.ftth_subscriptions} vs ports used {ports_used}: "
          f"{f1.ftth_subscriptions - ports_used:+d}")
    """),
    md("""
    ## 4. The short hamlet and its gap extension

    Short of the rule: the hamlets in `F2['short_hamlets']`. For each, `fr.extensions` holds
    the shortest new cable along the roads from today's network (a box, or a splice on a
    fibre route) to a new box within the drop length of the cultural house. The column
    `from_access_point` names where the cable starts: a box id, or a route id when it starts
    from a splice on that route (here Viettel's QL1A trunk, merged as `R1`).
    """),
    code("""
    print("short hamlets:", ", ".join(f2.short_hamlets))
    ext = fr.extensions
    ext.drop(columns="geometry").T
    """),
    code("""
    row = ext.set_index("hamlet_id").loc["QT06"]
    name = project.hamlets.set_index("hamlet_id").loc["QT06", "name"]
    print(f"QT06 {name}: {row['length_m']:.0f} m of new cable from {row['from_access_point']} "
          f"and {row['new_boxes']} new box; {row['households_added']} homes passed in the hamlet "
          f"(+{row['households_added_elsewhere']} elsewhere); ftth_share after {row['ftth_share_after']:.0%}; "
          f"meets the rule: {row['meets_rule']}")
    """),
    md("""
    ## 5. What if...

    Every knob is a field of `fibre.FibreParams` (or a scenario's `[fibre]` table):

    * a **longer drop** (500 m, the most field teams accept) passes more homes and shortens
      the new cable, but QT06's cultural house is still too far;
    * the **share rule** (`hamlet_rule="share"`: a hamlet counts when 80 % of its homes are
      passed) instead of the cultural house: on this sample it gives the same F2, QT06 short
      under both (every other hamlet has its cultural house and 80 % of its homes passed);
      elsewhere a hamlet may pass one rule and fail the other.
    """),
    code("""
    runs = {"default (300 m, cultural house)": fibre.FibreParams(),
            "drop 500 m": fibre.FibreParams(max_drop_m=500),
            "share rule (80 % of homes)": fibre.FibreParams(hamlet_rule="share")}
    rows, results = [], {}
    for label, params in runs.items():
        with tidy_warnings():
            r = fibre.compute_fibre(project.households, project.hamlets, project.roads,
                                    project.access_points, project.fibre, project.statistics,
                                    2025, params)
        results[label] = r
        rows.append({"run": label, "F2": r.indicators["F2"].value,
                     "short hamlets": ", ".join(r.indicators["F2"].short_hamlets),
                     "homes passed": r.indicators["F1"].homes_passed_share,
                     "new cable (m)": round(float(r.extensions["length_m"].sum()), 0),
                     "new boxes": int(r.extensions["new_boxes"].sum())})
    # the text above relies on this: the two rules agree on the sample
    assert rows[0]["short hamlets"] == rows[2]["short hamlets"] == "QT06"
    pd.DataFrame(rows).set_index("run").style.format({"F2": "{:.0%}", "homes passed": "{:.1%}",
                                                      "new cable (m)": "{:,.0f}"})
    """),
    md("""
    Under the share rule QT06's extension aims at 80 % of its homes instead of its cultural
    house (`target`); a hamlet whose homes are passed but port-limited would need new boxes
    or ports at today's network instead (0 m of cable, `new_boxes_without_cable`):
    """),
    code("""
    from coverage_gis.outputs.fibre_text import extension_table

    share_run = results["share rule (80 % of homes)"]
    (extension_table(share_run.extensions, share_run.params).drop(columns="geometry")
     [["hamlet_id", "target", "length_m", "households_added", "ftth_share_after",
       "new_boxes", "new_boxes_without_cable", "from_access_point"]])
    """),
    md("""
    ## 6. The extension on the map

    The toolkit's offline map (`cg.maps.coverage_map`) draws the analysis' gap extensions
    itself (layer "Fibre extensions needed": the default 300 m run). A what-if run can be
    added with `extra_layers=[callable(analysis, lang) -> folium.FeatureGroup]`: here the
    500 m variant (dashed pink) with its new box (yellow). Hover over a cable for its
    length; switch on "Hamlets: households with fibre (FTTH)" in the layer control to colour
    hamlets by their fibre share. The map needs an analysis (`cg.analyze`; site suggestions
    are skipped here with `suggest_sites=0`). The page stays offline: the map refuses
    anything that would need the network.
    """),
    code("""
    import folium
    from pyproj import Transformer


    with tidy_warnings():
        result = cg.analyze(project, suggest_sites=0)
    to_wgs84 = Transformer.from_crs(project.crs, 4326, always_xy=True)


    def variant_layer(extensions, name, colour="#d81b60", dash="8 6"):
        \"\"\"A layer builder for ``coverage_map(extra_layers=...)``: the new cable of a what-if
        run as a dashed line, its new boxes as yellow dots, and a legend section.\"\"\"
        def build(analysis, lang):
            group = folium.FeatureGroup(name=name)
            group.legend_html = (  # read by coverage_map: a legend section for this layer
                f"<div style='margin-top:5px'><b>{name}</b><br>"
                f"<span style='display:inline-block;width:18px;border-top:4px dashed {colour};"
                "vertical-align:middle'></span> new cable &nbsp;<span style='display:"
                "inline-block;width:10px;height:10px;border-radius:50%;background:#ffd700;"
                "border:1px solid #000'></span> new box</div>")
            cables = extensions[~extensions.geometry.is_empty].to_crs(4326)
            folium.GeoJson(
                cables[["hamlet_id", "length_m", "households_added", "geometry"]],
                style_function=lambda feature: {"color": colour, "weight": 5, "opacity": 0.9,
                                                "dashArray": dash},
                tooltip=folium.GeoJsonTooltip(["hamlet_id", "length_m", "households_added"],
                                              aliases=["hamlet", "new cable (m)",
                                                       "homes passed in the hamlet"]),
            ).add_to(group)
            for _, e in extensions.iterrows():
                for xy in (e["new_box_xy"] or "").split(";"):  # "x y; x y" in the project CRS
                    if xy.strip():
                        lon, lat = to_wgs84.transform(*map(float, xy.split()))
                        folium.CircleMarker([lat, lon], radius=6, color="#000000", weight=2,
                                            fill=True, fill_color="#ffd700", fill_opacity=1,
                                            tooltip=f"new box for {e['hamlet_id']}").add_to(group)
            return group
        return build


    with tidy_warnings():
        fibre_map = cg.maps.coverage_map(result, lang="en", extra_layers=[
            variant_layer(results["drop 500 m"].extensions, "What-if: extension with a 500 m drop"),
        ])
    fibre_map
    """),
    code("""
    import html
    import re

    page = html.unescape(re.search(r'srcdoc="([^"]*)"', fibre_map._repr_html_()).group(1))
    external = re.findall(r"<(?:script|link|img|iframe)\\b[^>]*\\b(?:src|href)\\s*=\\s*[\\"']?"
                          r"\\s*(?:https?:)?//[^\\"' >]*", page, flags=re.I)
    assert "Leaflet 1.9.4" in page and not external
    print("offline page:", f"{len(page) / 1e6:.1f} MB, no external script or stylesheet")
    """),
]


# --------------------------------------------------------------------------------------------
# 04 Calibration against measurements
# --------------------------------------------------------------------------------------------

NB04 = [
    md("""
    # Calibrating the radio model against measured levels

    The coverage maps come from a median path-loss model (Extended Hata) that was fitted to
    Japanese and European cities decades ago. Planning tools fit such a model to **drive-test
    measurements** of the area: an offset (K1) and a distance slope (K2) of the path loss, so
    that predicted levels match measured ones on average. `coverage-gis calibrate` does the
    same with the engine's own link budget; `analyze` then applies the fitted
    `[calibration]` to levels **and** ranges.

    The sample's drive test (`data/measurements/drive_test.csv`) is **synthetic and labelled**:
    `data/make_drive_test.py` drew it from the engine's own prediction with a known
    correction, **+6 dB offset and +4 dB per decade of distance** (more loss than the model,
    growing with distance), plus log-normal shadowing with σ = 8 dB. So we know the answer
    the fit should find.
    """),
    code(SETUP),
    code("""
    import dataclasses
    import tempfile
    from pathlib import Path

    import geopandas as gpd
    from IPython.display import Image

    from coverage_gis.config.params import CoverageParams
    from coverage_gis.engines import coverage
    from coverage_gis.engines.calibration import calibrate

    TRUE_OFFSET_DB, TRUE_SLOPE_DB_PER_DECADE = 6.0, 4.0  # data/make_drive_test.py

    with tidy_warnings():
        project = cg.load_project()
    params = CoverageParams.from_scenario(project.scenario.parameters)
    path = project.scenario.path.parent / "measurements" / "drive_test.csv"
    table = pd.read_csv(path)
    drive = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table.lon, table.lat), crs=4326)
    print(f"{len(drive)} measurements of {drive.cell_id.nunique()} cells, RSRP "
          f"{drive.rsrp_dbm.min()} to {drive.rsrp_dbm.max()} dBm")
    drive.head()
    """),
    md("""
    ## 1. Fit

    Each measurement is predicted from its serving cell (here named by `cell_id`, the
    `site_id` of the sites layer) exactly as the coverage rasters are: per-RE EIRP, the
    cell's model, its antenna pattern, the terrain from the DEM and the land cover's
    loss, by the same function as the rasters. The **excess
    loss** (predicted − measured) is fitted by least squares on
    `[1, log10(d / 1 km)]`; `offset_db` > 0 means more loss than the model. Measurements
    *predicted* below the −120 dBm level floor are excluded (counted; chosen on the
    prediction, which depends on the place only, so that the fit stays unbiased: dropping
    the weak *measured* levels would keep only the far points' positive errors), and 5-fold
    cross-validation
    (contiguous blocks of the route) gives the error on measurements the fit did not see.
    With a land-cover layer, each class with at least 30 measurements also gets an offset
    of its own (centred: `offset_db` stays the average correction).
    """),
    code("""
    with tidy_warnings():
        result = calibrate(drive, project.sites, params, project.dem,
                           landcover=project.landcover, hamlets=project.hamlets)

    summary = pd.DataFrame({
        "fitted": [result.offset_db, result.slope_db_per_decade],
        "standard error": [result.std_error_offset_db, result.std_error_slope_db_per_decade],
        "truth": [TRUE_OFFSET_DB, TRUE_SLOPE_DB_PER_DECADE],
    }, index=["offset (dB)", "slope (dB/decade)"]).round(2)
    summary["within 2 standard errors"] = (
        (summary["fitted"] - summary["truth"]).abs() <= 2 * summary["standard error"])
    print(f"used {result.n}; excluded {result.excluded}")
    print(f"RMS error {result.rmse_before_db:.1f} dB before, {result.rmse_after_db:.1f} dB "
          f"after, {result.cv_rmse_db:.1f} dB out of fold (σ of the noise: 8 dB); mean error "
          f"{result.mean_error_before_db:+.1f} -> {result.mean_error_after_db:+.1f} dB")
    assert summary["within 2 standard errors"].all()
    assert result.rmse_after_db <= result.rmse_before_db
    print("land-cover class offsets (dB, on top of the offset; the truth has none):",
          {c: round(v, 2) for c, v in result.clutter_offsets_db.items()},
          "measurements per class:", result.class_counts)
    summary
    """),
    md("""
    The fit finds the truth within its standard errors, and the RMS error after the fit is
    close to the 8 dB of shadowing that no median model can remove (practitioners aim for
    7-8 dB). The slope is the less certain: the drive test spans only about one decade of
    distance. Per measurement (`residuals.csv` of the command):
    """),
    code("""
    result.residuals.drop(columns="geometry").head()
    """),
    code("""
    from coverage_gis.outputs.calibration import calibration_toml, plot_calibration

    folder = Path(tempfile.mkdtemp())
    Image(filename=str(plot_calibration(result, folder / "calibration.png", lang="en")))
    """),
    md("""
    ## 2. Apply it

    `coverage-gis calibrate --measurements data/measurements/drive_test.csv --out DIR` writes
    the same fit as `calibration.json`, `residuals.csv`, the plot above and
    `calibration.toml`, a `[calibration]` table. A scenario applies it by naming the file in
    its `[scenario]` table (`calibration = "DIR/calibration.toml"`) or by holding the table
    itself:
    """),
    code("""
    print(calibration_toml(result, "drive_test.csv"))
    """),
    md("""
    The calibrated loss is `L(d) + offset + slope · log10(d / 1 km)`, floored at free space;
    it still grows with distance, so every cell's range inverts it exactly. With more loss
    than the model, ranges shrink (here by about 40 %, printed below); whether the hamlets' 4G/5G shares
    follow depends on how far their households are from the cells:
    """),
    code("""
    table = {k: v for k, v in dataclasses.asdict(result.as_params("drive_test.csv")).items()
             if v is not None}
    calibrated = CoverageParams.from_scenario({**project.scenario.parameters,
                                               "calibration": table})
    on_air = project.sites[project.sites["status"] == "existing"]
    ranges = pd.DataFrame({
        "range_m model": coverage.cell_ranges(on_air, params)["range_m"],
        "range_m calibrated": coverage.cell_ranges(on_air, calibrated)["range_m"],
    }).round(0)
    ranges.index = on_air["site_id"]
    print(ranges.describe().loc[["mean", "50%"]])
    with tidy_warnings():
        before = cg.analyze(project, params, suggest_sites=0)
        after = cg.analyze(project, calibrated, suggest_sites=0)
    pd.DataFrame({
        "4G/5G share, model": before.hamlets.set_index("hamlet_id")["mobile_broadband_share"],
        "4G/5G share, calibrated": after.hamlets.set_index("hamlet_id")["mobile_broadband_share"],
    })
    """),
    md("""
    The sample's drive test is synthetic: its "truth" is a choice, so these shares say how
    much a calibration can matter, not what the real commune has. With a real drive test
    (or OpenCelliD measurements: `mcc,mnc,lac,cellid,lon,lat,signal,...`), the same two
    steps give the maps a measured basis.
    """),
]


#: Every notebook of the folder, by file name (a test checks the stored files are these).
NOTEBOOKS = {"01_quick_start.ipynb": NB01, "02_check_a_proposed_tower.ipynb": NB02,
             "03_fibre_gaps.ipynb": NB03, "04_calibration.ipynb": NB04}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        print(write(name, cells))


if __name__ == "__main__":
    main()
