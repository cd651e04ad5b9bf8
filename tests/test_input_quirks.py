"""Input quirks found by fuzzing the input layer (second round), each read right or refused
with an :class:`~coverage_gis.InputError` naming the file; inputs are never modified.

- ``columns=`` onto or away from the geometry column (crashed: RecursionError/AttributeError);
- VRTs (raster and vector, nested) naming data on the network (GDAL fetched it);
- a UTF-8 shapefile without its .cpg (read as Latin-1: 'ThÃ´n');
- XLSX formulas without stored results (read as empty cells, validate said OK);
- an XLSX with a cover sheet before the table (read the cover: "is empty");
- a shapefile zipped inside its folder (called damaged);
- a KMZ whose KML types its attributes with <Schema>/<SchemaData> (attributes lost);
- a CSV starting with Excel's ``sep=;`` line (every row "has 14 fields").
"""

from __future__ import annotations

import http.server
import threading
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

import coverage_gis as cg
from coverage_gis.io import boundary

from .conftest import LAT, LON, digest, square, write_text
from .test_bad_inputs import dem, hamlets, run_validate

STATS_HEADER = ["year", "population", "adults", "households"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The inputs' folder; crash logs (there must be none) go beside it."""
    monkeypatch.setenv("COVERAGE_GIS_LOG_DIR", str(tmp_path / "logs"))
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


def quietly(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


# --------------------------------------------------------------------------------------------
# C5: columns= and the geometry column
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mapping,says", [
    ({"name": "geometry"}, "columns= maps 'name' onto 'geometry' (name=geometry): the "
                           "geometry column 'geometry' cannot be written onto"),
    ({"geometry": "name"}, "columns= maps 'geometry' onto 'name' (geometry=name): the "
                           "geometry column 'geometry' cannot be renamed")])
def test_columns_cannot_touch_the_geometry(folder, mapping, says):
    path = hamlets(folder)
    with pytest.raises(cg.InputError) as caught:
        cg.read_hamlets(path, columns=mapping)
    assert f"thon.geojson: {says}" in str(caught.value)


def test_columns_onto_geometry_of_a_table_is_refused(folder):
    path = write_text(folder / "sites.csv", "site_id,operator,technology,lon,lat\n"
                                            f"A,Viettel,4G,{LON},{LAT}\n")
    with pytest.raises(cg.InputError, match=r"sites\.csv: columns= maps 'site_id' onto "
                                            r"'geometry'"):
        cg.read_sites(path, columns={"site_id": "geometry"})


@pytest.mark.parametrize("spec", ["name=geometry", "geometry=name"])
def test_columns_onto_geometry_on_the_command_line(folder, capsys, spec):
    path = hamlets(folder)
    before = digest(folder)
    code, text = run_validate(["--hamlets", str(path), "--columns", spec], capsys)
    assert code == 1, text
    assert "unexpected error" not in text and "Traceback" not in text
    assert "thon.geojson: columns= maps" in text and f"({spec})" in text
    assert digest(folder) == before


# --------------------------------------------------------------------------------------------
# S4: VRTs that point at the network
# --------------------------------------------------------------------------------------------

@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server (with ranges, as GDAL wants) of ``tmp_path / 'www'``: its base URL
    and the list of requests it received."""
    www = tmp_path / "www"
    www.mkdir()
    seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(www), **kwargs)

        def send_head(self):
            seen.append(f"{self.command} {self.path}")
            return super().send_head()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def raster_vrt(path: Path, source: str) -> Path:
    return write_text(path, f"""<VRTDataset rasterXSize="20" rasterYSize="20">
  <SRS>EPSG:32648</SRS>
  <GeoTransform>585000, 30, 0, 2222000, 0, -30</GeoTransform>
  <VRTRasterBand dataType="Float32" band="1">
    <SimpleSource>
      <SourceFilename relativeToVRT="0">{source}</SourceFilename>
      <SourceBand>1</SourceBand>
    </SimpleSource>
  </VRTRasterBand>
</VRTDataset>
""")


def vector_vrt(path: Path, source: str) -> Path:
    return write_text(path, f"""<OGRVRTDataSource>
  <OGRVRTLayer name="hamlets">
    <SrcDataSource>{source}</SrcDataSource>
    <SrcLayer>h</SrcLayer>
  </OGRVRTLayer>
</OGRVRTDataSource>
""")


def served(server, folder: Path) -> tuple[str, str]:
    """A DEM and hamlets put on the server: their /vsicurl/ addresses."""
    url, _ = server
    www = folder.parent / "www"
    dem(www / "dem.tif", np.full((20, 20), 12.0))
    hamlets(www, "h.geojson")
    return f"/vsicurl/{url}/dem.tif", f"/vsicurl/{url}/h.geojson"


NETWORK = "refers to data on the network"


def test_vrts_naming_network_data_are_refused_before_gdal_opens_them(folder, server):
    dem_url, hamlets_url = served(server, folder)
    cases = [
        (cg.read_dem, raster_vrt(folder / "dem.vrt", dem_url)),
        (cg.read_hamlets, vector_vrt(folder / "h.vrt", hamlets_url)),
        (cg.read_dem, raster_vrt(folder / "plain_http.vrt", dem_url.removeprefix("/vsicurl/"))),
        (cg.read_dem, raster_vrt(folder / "zipped.vrt", f"/vsizip/{dem_url}.zip/dem.tif")),
    ]
    # a VRT naming that VRT, under another name (GDAL opens a VRT by its content)
    raster_vrt(folder / "outer.tif", "dem.vrt")
    (folder / "outer.tif").write_text((folder / "outer.tif").read_text()
                                      .replace('relativeToVRT="0"', 'relativeToVRT="1"'))
    cases.append((cg.read_dem, folder / "outer.tif"))
    before = digest(folder)
    for read, path in cases:
        with pytest.raises(cg.InputError) as caught:
            read(path)
        text = str(caught.value)
        assert text.startswith(f"{path.name}: {NETWORK}"), text
        assert "runs offline" in text and "point the VRT at the local copy" in text
    assert "dem.vrt, a file it names, reads /vsicurl/http://127.0.0.1" in text
    assert server[1] == []  # no request reached the server
    assert digest(folder) == before


def test_the_command_line_refuses_a_network_vrt(folder, server, capsys):
    dem_url, _ = served(server, folder)
    vrt = raster_vrt(folder / "dem.vrt", dem_url)
    code, text = run_validate(["--dem", str(vrt), "--hamlets", str(hamlets(folder))], capsys)
    assert code == 1 and f"dem.vrt: {NETWORK}" in text, text
    assert server[1] == []


def test_gdal_itself_is_kept_offline_when_the_scan_misses(folder, server, monkeypatch):
    """The second guard: GDAL's /vsicurl/ allows no file name while a loader runs."""
    import pyogrio

    dem_url, hamlets_url = served(server, folder)
    monkeypatch.setattr(boundary, "network_source", lambda *args: None)
    with pytest.raises(cg.InputError, match=r"^dem\.vrt: "):
        cg.read_dem(raster_vrt(folder / "dem.vrt", dem_url))
    with pytest.raises(cg.InputError, match=r"^h\.vrt: "):
        cg.read_hamlets(vector_vrt(folder / "h.vrt", hamlets_url))
    assert server[1] == []
    # the guard is lifted afterwards: the user's own GDAL settings are untouched
    assert pyogrio.get_gdal_config_option("CPL_VSIL_CURL_ALLOWED_EXTENSIONS") is None


def test_a_local_vrt_is_read(folder):
    dem(folder / "dem.tif", np.full((20, 20), 12.0))
    raster = cg.read_dem(raster_vrt(folder / "dem.vrt", str(folder / "dem.tif")))
    assert float(np.nanmean(raster.data)) == 12.0
    hamlets(folder, "h.geojson")
    assert len(cg.read_hamlets(vector_vrt(folder / "h.vrt", str(folder / "h.geojson")))) == 2


# --------------------------------------------------------------------------------------------
# S2: a UTF-8 shapefile without its .cpg
# --------------------------------------------------------------------------------------------

NAMES = ["Thôn Đông", "Thôn Đoài"]


def shapefile(folder: Path, names: list[str], encoding: str = "UTF-8") -> Path:
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": names},
                           geometry=[square(LON, LAT), square(LON + 0.008, LAT)], crs=4326)
    quietly(gdf.to_file, folder / "thon.shp", encoding=encoding)
    (folder / "thon.cpg").unlink(missing_ok=True)
    return folder / "thon.shp"


def test_a_utf8_shapefile_without_cpg_is_read_as_utf8_with_a_warning(folder):
    path = shapefile(folder, NAMES)
    before = digest(folder)
    with pytest.warns(cg.InputWarning, match=r"thon\.shp: its text is UTF-8 but its \.cpg .* "
                                             r"is missing.* read as UTF-8"):
        out = cg.read_hamlets(path)
    assert list(out["name"]) == NAMES
    with zipfile.ZipFile(folder / "thon.zip", "w") as z:
        for part in folder.glob("thon.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    with pytest.warns(cg.InputWarning, match=r"thon\.zip: its text is UTF-8"):
        assert list(cg.read_hamlets(folder / "thon.zip")["name"]) == NAMES
    with warnings.catch_warnings():  # naming the encoding says it: no warning
        warnings.simplefilter("error")
        assert list(cg.read_hamlets(path, encoding="utf-8")["name"]) == NAMES
    (folder / "thon.zip").unlink()
    assert digest(folder) == before


@pytest.mark.parametrize("raw,encoding,expected", [
    ("Café Hòa".encode("latin-1"), None, "Café Hòa"),             # real Latin-1
    ("Thôn Đông".encode("cp1258"), "cp1258", "Thôn Đông"),        # cp1258
    (b"Th\xabn \xa7\xabng S\xacn", "tcvn3", "Thôn Đông Sơn"),     # TCVN3
])
def test_8bit_shapefiles_without_cpg_are_not_taken_for_utf8(folder, raw, encoding, expected):
    text = raw.decode("latin-1")
    path = shapefile(folder, [text, text], encoding="ISO-8859-1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = cg.read_hamlets(path)
    assert list(plain["name"]) == [text, text]  # as GDAL reads it: not decoded as UTF-8
    assert not any("UTF-8" in str(w.message) for w in caught)
    if encoding:
        assert list(quietly(cg.read_hamlets, path, encoding=encoding)["name"])[0] == expected


# --------------------------------------------------------------------------------------------
# S6, M3: XLSX workbooks
# --------------------------------------------------------------------------------------------

def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def edit_cell(path: Path, old: bytes, new: bytes) -> None:
    """Replace a cell's XML in the workbook's first sheet (as Excel would have written it)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    assert old in parts[sheet]
    parts[sheet] = parts[sheet].replace(old, new)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_xlsx_formulas_without_stored_values_are_refused(folder, capsys):
    path = workbook(folder / "stats.xlsx", {"stats": [
        STATS_HEADER, [2024, "=C2+1000", 3618, 1318], [2025, "=C3+1000", 3652, 1334]]})
    before = digest(folder)
    with pytest.raises(cg.InputError) as caught:
        cg.read_statistics(path)
    text = str(caught.value)
    assert text.startswith("stats.xlsx: column 'population' in sheet 'stats' holds formulas "
                           "without computed values (cells B2, B3)"), text
    assert "open it in Excel or LibreOffice and save it" in text
    code, out = run_validate(["--statistics", str(path)], capsys)
    assert code == 1 and "holds formulas without computed values" in out, out
    assert digest(folder) == before


def test_xlsx_formulas_with_stored_values_are_read(folder):
    path = workbook(folder / "stats.xlsx", {"stats": [STATS_HEADER, [2025, 4900, 3618, 1318]]})
    # what Excel writes: the formula and its last result (<f> and <v>)
    edit_cell(path, b'<c r="B2" t="n"><v>4900</v></c>',
              b'<c r="B2"><f>C2+1282</f><v>4900</v></c>')
    assert cg.read_statistics(path).loc[0, "population"] == 4900


def test_xlsx_error_values_are_refused_not_read_as_empty(folder, capsys):
    """Found by fuzzing: ``#DIV/0!`` and ``#REF!`` (typed, or a broken formula's stored
    result) read as empty cells: F1 said "no statistics", a site's height and EIRP became
    the technology's defaults."""
    path = workbook(folder / "stats.xlsx", {"stats": [
        STATS_HEADER, [2024, 4905, 3618, 1318], [2025, 4948, "#REF!", 1334]]})
    edit_cell(path, b'<c r="B3" t="n"><v>4948</v></c>',
              b'<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    before = digest(folder)
    with pytest.raises(cg.InputError) as caught:
        cg.read_statistics(path)
    text = str(caught.value)
    assert ("column 'population' in sheet 'stats' holds Excel error values (cell B3 #DIV/0!)"
            in text), text
    assert "column 'adults' in sheet 'stats' holds Excel error values (cell C3 #REF!)" in text
    assert "without computed values" not in text  # the formula's result is stored: an error
    code, out = run_validate(["--statistics", str(path)], capsys)
    assert code == 1 and "holds Excel error values" in out, out
    assert digest(folder) == before


def test_xlsx_with_a_cover_sheet_reads_the_table(folder):
    path = workbook(folder / "stats.xlsx", {
        "Bia": [["Báo cáo thống kê"], ["Xã Quang Trung"]],
        "statistics": [STATS_HEADER, [2024, 4905, 3618, 1318], [2025, 4948, 3652, 1334]]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the choice is clear: no warning
        stats = cg.read_statistics(path)
    assert list(stats["year"]) == [2024, 2025]
    assert list(stats["population"]) == [4905, 4948]


def test_xlsx_with_a_sheet_per_year_reads_them_all(folder):
    """Found by a review: a workbook of one sheet per operator (or year, or hamlet), every
    sheet with the table's header, was read from its first sheet only (23 of 84 cells), exit
    0. All are read, one after the other, and the rows each gave are said."""
    path = workbook(folder / "stats.xlsx", {
        "Bia": [["Báo cáo thống kê"]],
        "Năm 2024": [STATS_HEADER, [2024, 4905, 3618, 1318]],
        "Năm 2025": [[None], STATS_HEADER, [2025, 4948, 3652, 1334], [None]]})
    with pytest.warns(cg.InputWarning, match=r"stats\.xlsx: 2 sheets have the table's header: "
                                             r"all are read, one after the other \(rows 1-1 "
                                             r"from 'Năm 2024'; rows 2-2 from 'Năm 2025'\)"):
        stats = cg.read_statistics(path)
    assert list(stats["year"]) == [2024, 2025]
    assert list(stats["households"]) == [1318, 1334]
    # one of them named: that one alone, without a word
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(cg.read_statistics(path, layer="Năm 2025")["year"]) == [2025]


def test_xlsx_with_a_title_above_the_header_reads_the_table(folder):
    """Found by a review: a commune's report workbook (a title, a line of who made it, then
    the table) was refused, "column 'year' is required but missing (columns present: BÁO
    CÁO ...)". The header is found below the title, and the rows left out are said."""
    path = workbook(folder / "stats.xlsx", {"Thống kê": [
        ["BÁO CÁO THỐNG KÊ XÃ QUANG TRUNG"], ["Đơn vị: UBND xã"], [None],
        STATS_HEADER, [2024, 4905, 3618, 1318], [2025, 4948, 3652, 1334]]})
    with pytest.warns(cg.InputWarning, match=r"stats\.xlsx: sheet 'Thống kê': the table's "
                                             r"header is on row 4; the row\(s\) above it "
                                             r"\(1, 2: a title\) are not read"):
        stats = cg.read_statistics(path)
    assert list(stats["year"]) == [2024, 2025]
    assert list(stats["households"]) == [1318, 1334]
    # a table whose first row has a wanted name is read from there, as before
    plain = workbook(folder / "plain.xlsx", {"s": [STATS_HEADER, [2025, 4948, 3652, 1334]]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(cg.read_statistics(plain)["year"]) == [2025]


def test_xlsx_without_a_sheet_of_the_table_names_the_sheets(folder):
    path = workbook(folder / "stats.xlsx", {"Bia": [["Cover"]], "Notes": [["a", "b"], [1, 2]]})
    with pytest.warns(cg.InputWarning, match=r"stats\.xlsx: has 2 sheets with data \(Bia, "
                                             r"Notes\); none has a header with the expected "
                                             r"columns \(year, .*reading the first, 'Bia'"):
        with pytest.raises(cg.InputError, match=r"stats\.xlsx"):
            cg.read_statistics(path)


# --------------------------------------------------------------------------------------------
# M4: a shapefile zipped inside its folder
# --------------------------------------------------------------------------------------------

def zipped(folder: Path, name: str, members: dict[str, Path]) -> Path:
    with zipfile.ZipFile(folder / name, "w") as z:
        for arcname, part in members.items():
            z.write(part, arcname)
    return folder / name


def test_a_shapefile_zipped_in_its_folder_is_read(folder):
    src = folder / "src"
    src.mkdir()
    quietly(gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": NAMES},
                             geometry=[square(LON, LAT), square(LON + 0.008, LAT)],
                             crs=4326).to_file, src / "h.shp")
    parts = sorted(src.glob("h.*"))
    path = zipped(folder, "thon.zip", {f"thon/{p.name}": p for p in parts}
                  | {"__MACOSX/thon/._h.shp": parts[0]})
    assert list(cg.read_hamlets(path)["name"]) == NAMES
    two = zipped(folder, "two.zip", {f"{d}/{p.name}": p for d in ("a", "b") for p in parts})
    with pytest.raises(cg.InputError, match=r"two\.zip: holds 2 shapefiles in different "
                                            r"folders \(a/h\.shp, b/h\.shp\)"):
        cg.read_hamlets(two)


# --------------------------------------------------------------------------------------------
# S3: KMZ with <Schema>/<SchemaData>
# --------------------------------------------------------------------------------------------

def test_a_kmz_of_a_schemadata_kml_keeps_its_attributes(folder):
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": NAMES,
                            "households": [120, 80]},
                           geometry=[square(LON, LAT), square(LON + 0.008, LAT)], crs=4326)
    quietly(gdf.to_file, folder / "h.kml", driver="KML")  # GDAL's KML driver: SchemaData
    assert b"<SchemaData" in (folder / "h.kml").read_bytes()
    kml = cg.read_hamlets(folder / "h.kml")
    for inside in ("doc.kml", "files/thon.kml"):
        kmz = zipped(folder, "h.kmz", {inside: folder / "h.kml"})
        out = cg.read_hamlets(kmz)
        assert list(out["hamlet_id"]) == list(kml["hamlet_id"]) == ["T1", "T2"]
        assert list(out["households"]) == [120, 80]
        kmz.unlink()


# --------------------------------------------------------------------------------------------
# M6: Excel's sep= line
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_csv_with_excels_sep_line_uses_that_delimiter(folder, capsys, sep):
    rows = [["site_id", "operator", "technology", "lon", "lat"],
            ["A", "Viettel", "4G", f"{LON}", f"{LAT}"],
            ["B", "MobiFone", "4G", f"{LON + 0.001}", f"{LAT}"]]
    path = write_text(folder / "sites.csv", f"sep={sep}\r\n" + "".join(
        sep.join(r) + "\r\n" for r in rows))
    sites = cg.read_sites(path)
    assert list(sites["site_id"]) == ["A", "B"]
    code, text = run_validate(["--sites", str(path)], capsys)
    assert code == 0, text


def test_errors_after_a_sep_line_count_rows_below_the_header(folder):
    path = write_text(folder / "sites.csv", "sep=;\nsite_id;operator;technology;lon;lat\n"
                                            f"A;Viettel;4G;{LON};{LAT}\nB;Viettel;9G;{LON};{LAT}\n")
    with pytest.raises(cg.InputError, match=r"sites\.csv row 2: technology='9G'"):
        cg.read_sites(path)


def test_points_layer_reads_are_unchanged(folder):
    """The sheet choice does not disturb a one-sheet workbook of points."""
    frame = pd.DataFrame({"site_id": ["A"], "operator": ["Viettel"], "technology": ["4G"],
                          "lon": [LON], "lat": [LAT]})
    frame.to_excel(folder / "sites.xlsx", index=False)
    assert list(cg.read_sites(folder / "sites.xlsx")["site_id"]) == ["A"]
    assert shapely.Point(LON, LAT).equals(cg.read_sites(folder / "sites.xlsx").geometry[0])


def test_trailing_empty_columns_are_not_duplicate_names(folder):
    """Found by fuzzing: a table with empty columns at its right (Excel's CSV export of a
    sheet once wider, ``a,b,,,``; a workbook with a stray space far right) was refused:
    "column '' appears 3 times". Columns without a name and without data are left out."""
    write_text(folder / "sites.csv", "site_id,operator,technology,lon,lat,,,\n"
                                     f"A,Viettel,4G,{LON},{LAT},,,\n")
    sites = cg.read_sites(folder / "sites.csv")
    assert list(sites["site_id"]) == ["A"] and "" not in sites.columns
    write_text(folder / "dup.csv", "site_id,operator,operator,technology,lon,lat\n"
                                   f"A,Viettel,VNPT,4G,{LON},{LAT}\n")
    with pytest.raises(cg.InputError, match=r"column 'operator' appears 2 times"):
        cg.read_sites(folder / "dup.csv")  # a real name twice is still refused


def test_a_pipe_is_not_called_empty(folder):
    """Found by fuzzing: ``cat sites.csv | validate --sites /dev/stdin`` said "is empty (0
    bytes)"; a pipe or device is named as such."""
    import os

    fifo = folder / "sites.csv"
    os.mkfifo(fifo)
    with pytest.raises(cg.InputError, match=r"sites.csv: is not a regular file \(a pipe or a "
                                            r"device\); files are read by their name's"):
        cg.read_sites(fifo)


def test_a_workbooks_sheet_is_chosen_with_layer(folder, capsys):
    """Found by fuzzing: a workbook's sheet could not be named (``--layer statistics:X`` was
    refused, and ``layer=`` of an XLSX sites table was ignored). ``layer=`` names the sheet;
    one that is not there is refused, naming the sheets."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Năm 2024"
    first.append(STATS_HEADER)
    first.append([2024, 4900, 3600, 1300])
    second = book.create_sheet("Năm 2025")
    second.append(STATS_HEADER)
    second.append([2025, 4989, 3690, 1350])
    book.save(folder / "stats.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two sheets of one header: both, with a warning
        assert list(cg.read_statistics(folder / "stats.xlsx")["year"]) == [2024, 2025]
    assert list(cg.read_statistics(folder / "stats.xlsx", layer="Năm 2025")["year"]) == [2025]
    with pytest.raises(cg.InputError, match=r"stats.xlsx: has no sheet 'x' \(layer=\); its "
                                            r"sheets: Năm 2024, Năm 2025"):
        cg.read_statistics(folder / "stats.xlsx", layer="x")
    code, text = run_validate(["--statistics", str(folder / "stats.xlsx"),
                               "--layer", "statistics:Năm 2025"], capsys)
    assert code == 0 and "years 2025" in text
    sites = openpyxl.Workbook()
    sites.active.append(["note"])
    sheet = sites.create_sheet("cells")
    sheet.append(["site_id", "operator", "technology", "lon", "lat"])
    sheet.append(["A", "Viettel", "4G", LON, LAT])
    sites.save(folder / "sites.xlsx")
    assert list(cg.read_sites(folder / "sites.xlsx", layer="cells")["site_id"]) == ["A"]
    # a CSV holds one table: its layer= is said to be ignored, not dropped without a word
    (folder / "sites.csv").write_text(f"site_id,operator,technology,lon,lat\nA,Viettel,4G,"
                                      f"{LON},{LAT}\n", encoding="utf-8")
    with pytest.warns(cg.InputWarning, match=r"sites.csv: layer='cells' does not apply to a "
                                             r"CSV table \(it holds one table\); ignored"):
        assert list(cg.read_sites(folder / "sites.csv", layer="cells")["site_id"]) == ["A"]
