"""Text quirks found by fuzzing (third round), each read right or refused with an
:class:`~coverage_gis.InputError` naming the file; inputs are never modified.

- r01: Windows paths in a scenario (``sites = 'towers\\sites.csv'``): "file not found";
- r02: text not in Unicode NFC: cp1258 (Excel's CSV on a Vietnamese Windows) keeps tone marks
  as combining characters ("Hiện có" refused as a status), macOS writes NFD (ids that look
  the same did not match);
- r12: OpenCelliD files saved as UTF-16 with tabs (Excel's "Unicode Text") not recognised.
"""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest

import coverage_gis as cg
from coverage_gis.config.scenario import read_scenario
from coverage_gis.io import boundary, opencellid, vietnamese
from coverage_gis.io.measurements import read_measurements

from .conftest import LAT, LON, digest, square, write_text
from .test_bad_inputs import hamlets, run_validate


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The inputs' folder; crash logs (there must be none) go beside it."""
    monkeypatch.setenv("COVERAGE_GIS_LOG_DIR", str(tmp_path / "logs"))
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


SITES = ("site_id,operator,technology,lon,lat,status\n"
         f"A,Viettel,4G,{LON},{LAT},Hiện có\n"
         f"B,MobiFone,4G,{LON + 0.001},{LAT},Quy hoạch\n")


# --------------------------------------------------------------------------------------------
# r01: backslashes in a scenario's paths
# --------------------------------------------------------------------------------------------

def scenario(folder: Path, sites: str) -> Path:
    """A scenario naming ``sites`` (written into the TOML as it is) and the two hamlets."""
    (folder / "boundaries").mkdir()
    hamlets(folder / "boundaries", "thon.geojson")
    (folder / "towers").mkdir()
    write_text(folder / "towers" / "sites.csv", SITES)
    return write_text(folder / "s.toml", "[layers]\n"
                                         "hamlets = 'boundaries\\thon.geojson'\n"
                                         f"sites = {sites}\n")


@pytest.mark.parametrize("written", ["'towers\\sites.csv'", '"towers\\\\sites.csv"',
                                     "{ path = 'towers\\sites.csv' }"])
def test_windows_paths_in_a_scenario_are_read_with_slashes(folder, capsys, written):
    path = scenario(folder, written)
    before = digest(folder)
    s = read_scenario(path)
    assert s.layers["sites"][0].path == folder / "towers" / "sites.csv"
    assert s.layers["hamlets"][0].path == folder / "boundaries" / "thon.geojson"
    code, text = run_validate([str(path)], capsys)
    assert code == 0, text
    assert digest(folder) == before


def test_a_windows_path_to_no_file_says_paths_use_slashes(folder):
    path = scenario(folder, "'towers\\cells.csv'")
    with pytest.raises(cg.InputError) as caught:
        read_scenario(path)
    said = str(caught.value)
    assert ("s.toml: layer 'sites': 'towers\\cells.csv': file not found in "
            f"{folder}, as written nor as 'towers/cells.csv'; paths in a scenario use '/' "
            "between folders (e.g. 'towers/sites.csv')") in said
    assert "Traceback" not in said


def test_real_file_names_and_absolute_paths_are_taken_as_written(folder):
    """A file whose name holds a backslash (legal on Linux) is that file, even when the
    ``/`` reading exists too; an absolute path is never rewritten."""
    path = scenario(folder, "'towers\\sites.csv'")
    write_text(folder / "towers\\sites.csv", SITES)
    assert read_scenario(path).layers["sites"][0].path == folder / "towers\\sites.csv"
    absolute = folder / "towers" / "sites.csv"
    write_text(path, f"[layers]\nsites = '{absolute}'\n")
    assert read_scenario(path).layers["sites"][0].path == absolute
    write_text(path, "[layers]\nsites = '/nowhere/x.csv'\n")  # checked when it is read
    assert read_scenario(path).layers["sites"][0].path == Path("/nowhere/x.csv")


def test_a_folder_named_on_a_mac_is_found_from_a_path_typed_on_windows(folder):
    """A folder made on macOS keeps its decomposed (NFD) name on a Linux disk; the same name
    typed in a scenario on Windows is composed (NFC), the same letters on screen: it was
    "file not found" (found by fuzzing). Either form on disk is found from either in the
    scenario."""
    for on_disk, typed in ((nfd("Thôn Tân Lập"), nfc("Thôn Tân Lập")),
                           (nfc("Thôn Yên Sơn"), nfd("Thôn Yên Sơn"))):
        (folder / on_disk).mkdir()
        write_text(folder / on_disk / "sites.csv", SITES)
        path = write_text(folder / "s.toml", f"[layers]\nsites = '{typed}/sites.csv'\n")
        found = read_scenario(path).layers["sites"][0].path
        assert found == folder / on_disk / "sites.csv" and found.exists()


# --------------------------------------------------------------------------------------------
# r02: every text value read is NFC
# --------------------------------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def as_cp1258(text: str) -> bytes:
    """``text`` as Windows writes cp1258: a precomposed base letter and a combining tone."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = nfd(ch)
        base = nfc(parts[0] + "".join(m for m in parts[1:] if m not in _TONES))
        out += (base + "".join(m for m in parts[1:] if m in _TONES)).encode("cp1258")
    return bytes(out)


def test_cp1258_text_is_read_as_nfc(folder, capsys):
    path = folder / "sites.csv"
    path.write_bytes(as_cp1258(SITES))
    assert not unicodedata.is_normalized("NFC", path.read_bytes().decode("cp1258"))
    sites = cg.read_sites(path, encoding="cp1258")
    assert list(sites["status"]) == ["existing", "planned"]
    code, text = run_validate(["--sites", str(path), "--encoding", "cp1258"], capsys)
    assert code == 0, text
    stats = folder / "stats.csv"  # a header in cp1258 too: the column names are NFC
    stats.write_bytes(as_cp1258("Năm,Dân số\n2025,4989\n"))
    read = cg.read_statistics(stats, encoding="cp1258", columns={"Năm": "year",
                                                                 nfd("Dân số"): "population"})
    assert list(read["year"]) == [2025] and list(read["population"]) == [4989]


def write_nfd(folder: Path, kind: str) -> Path:
    """Two hamlets whose id, name and a column's name are NFD, in format ``kind``."""
    ids, names = [nfd("Thôn Tân Lập"), "T2"], [nfd("Thôn Đông"), nfd("Thôn Đoài")]
    geoms = [square(LON, LAT), square(LON + 0.008, LAT)]
    if kind in ("csv", "xlsx"):  # as a table: households at the squares' centres
        rows = [["hamlet_id", nfd("ghi chú"), "lon", "lat"],
                [ids[0], names[0], LON, LAT], [ids[1], names[1], LON + 0.008, LAT]]
        if kind == "csv":
            return write_text(folder / "h.csv", "".join(",".join(map(str, r)) + "\n"
                                                        for r in rows))
        book = openpyxl.Workbook()
        for r in rows:
            book.active.append(r)
        book.save(folder / "h.xlsx")
        return folder / "h.xlsx"
    gdf = gpd.GeoDataFrame({"hamlet_id": ids, "name": names, nfd("ghi chú"): names},
                           geometry=geoms, crs=4326)
    file = folder / {"geojson": "h.geojson", "gpkg": "h.gpkg", "shp": "h.shp",
                     "kml": "h.kml"}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(file, **{"shp": {"encoding": "UTF-8"}, "kml": {"driver": "KML"}}.get(
            kind, {}))
    return file


@pytest.mark.parametrize("kind", ["csv", "xlsx", "geojson", "gpkg", "shp", "kml"])
def test_nfd_text_is_read_as_nfc_in_every_format(folder, kind):
    path = write_nfd(folder, kind)
    before = digest(folder)
    if kind in ("csv", "xlsx"):
        layer = cg.read_households(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # KML: no CRS said, and so on
            layer = cg.read_hamlets(path) if kind != "kml" else cg.read_boundary(path)
    if kind != "kml":
        assert list(layer["hamlet_id"]) == [nfc("Thôn Tân Lập"), "T2"]
    assert "ghi chú" in layer.columns  # the column name too
    for col in layer.columns.drop("geometry"):
        assert all(unicodedata.is_normalized("NFC", v) for v in layer[col]
                   if isinstance(v, str)), col
    assert digest(folder) == before


def test_nfd_hamlet_ids_match_the_same_ids_in_nfc(folder, capsys):
    """macOS households against Windows hamlets: "did you mean 'Thôn Tân Lập'?" with the
    same id on both sides."""
    thon = folder / "thon.geojson"
    gpd.GeoDataFrame({"hamlet_id": [nfc("Thôn Tân Lập"), "T2"], "name": ["A", "B"]},
                     geometry=[square(LON, LAT), square(LON + 0.008, LAT)],
                     crs=4326).to_file(thon)
    households = write_text(folder / "ho.csv", "household_id,hamlet_id,lon,lat\n"
                                               f"H1,{nfd('Thôn Tân Lập')},{LON},{LAT}\n"
                                               f"H2,T2,{LON + 0.008},{LAT}\n")
    code, text = run_validate(["--hamlets", str(thon), "--households", str(households)],
                              capsys)
    assert code == 0 and "did you mean" not in text, text


def test_two_column_names_equal_in_nfc_are_refused_as_one_name_twice(folder):
    name = "Tên"
    path = write_text(folder / "sites.csv", f"site_id,operator,technology,lon,lat,{name},"
                                            f"{nfd(name)}\nA,Viettel,4G,{LON},{LAT},x,y\n")
    with pytest.raises(cg.InputError, match=r"sites\.csv: column 'Tên' appears 2 times"):
        cg.read_sites(path)


def test_nfc_values_checks_fast_and_keeps_what_is_not_text():
    assert vietnamese.nfc_values(["QT01", "H0001"]) is None            # ASCII: untouched
    assert vietnamese.nfc_values([nfc("Thôn Đông"), None, 3]) is None  # NFC already
    assert vietnamese.nfc_values([nfd("Thôn Đông"), None, np.nan, 3, "a"])[:2] == [
        nfc("Thôn Đông"), None]
    assert vietnamese.nfc_values([nfd("Hiện"), "x\x00" + nfd("có")]) == [
        nfc("Hiện"), "x\x00" + nfc("có")]  # a NUL inside a value: one by one
    assert vietnamese.nfc_values([]) is None


# --------------------------------------------------------------------------------------------
# r12: OpenCelliD files in UTF-16 (Excel's "Unicode Text": UTF-16LE, BOM, tabs)
# --------------------------------------------------------------------------------------------

CELLS = ("LTE,452,4,12017,3078401,,105.8621,20.0652,1000,12,1,1600000000,1700000000,0\n"
         "GSM,452,1,10101,30301,,105.8601,20.0611,800,3,1,1600000000,1700000000,-79\n")
UPLOAD = ("mcc,mnc,lac,cellid,lon,lat,signal,measured_at,rating,speed,direction,act\n"
          "452,4,12407,42769153,105.8651,20.0646,-95,2024-05-01T08:00:00Z,5,0,0,LTE\n"
          "452,4,12407,42769155,105.8642,20.0659,-99,2024-05-01T08:02:00Z,5,0,0,LTE\n")


def unicode_text(path: Path, csv_text: str, encoding: str = "utf-16") -> Path:
    """``csv_text`` as Excel saves "Unicode Text": tabs, CRLF, UTF-16LE with its BOM."""
    text = "".join(line.replace(",", "\t") + "\r\n" for line in csv_text.splitlines())
    path.write_bytes(text.encode(encoding))  # Python's utf-16/utf-32 write the BOM
    return path


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_opencellid_cells_in_unicode_text_are_recognised(folder, header, encoding):
    head = ",".join(opencellid.CELL_COLUMNS) + "\n" if header else ""
    plain = cg.read_sites(write_text(folder / "452.csv", head + CELLS))
    path = unicode_text(folder / "452.txt", head + CELLS, encoding)
    sites = cg.read_sites(path)
    assert sites.attrs["format"] == "opencellid"
    assert list(sites["site_id"]) == list(plain["site_id"]) == ["452-04-12017-3078401",
                                                                "452-01-10101-30301"]
    assert list(cg.read_opencellid(path)["operator"]) == ["Viettel", "MobiFone"]


def test_opencellid_measurements_in_unicode_text_are_recognised(folder, capsys):
    path = unicode_text(folder / "ocid.txt", UPLOAD)
    assert opencellid.measurement_format(path) == "upload"
    m = read_measurements(path)
    assert m.attrs["format"] == "opencellid-upload" and list(m["cell_id"]) == [42769153,
                                                                               42769155]
    with pytest.raises(cg.InputError, match="this is an OpenCelliD measurements file"):
        cg.read_sites(path)  # refused as sites, with the hint, as in UTF-8
    drive = unicode_text(folder / "drive.txt", "lon,lat,rsrp_dbm,cell_id\n"
                                               f"{LON},{LAT},-90,A\n")
    assert opencellid.measurement_format(drive) == "drive-test"


@pytest.mark.parametrize("raw,row", [
    ("radio,mcc,net\n".encode("utf-16"), ["radio", "mcc", "net"]),
    (b"\xfe\xff" + "radio\tmcc\tnet\r\n".encode("utf-16-be"), ["radio", "mcc", "net"]),
    (b"\xef\xbb\xbfmcc;signal;lat\n", ["mcc", "signal", "lat"]),
    ("Tên,ghi chú\tx\n".encode(), ["Tên", "ghi chú\tx"]),   # commas win a tie of one each
    (b"", []),
], ids=["utf-16le-commas", "utf-16be-tabs", "utf-8-bom-semicolons", "tie", "empty"])
def test_first_row_reads_as_the_table_readers_do(folder, raw, row):
    path = folder / "t.txt"
    path.write_bytes(raw)
    assert boundary.first_row(path) == row
