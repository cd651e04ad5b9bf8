"""Files of Vietnamese GIS practice (round 7): MapInfo MIF/MID and TAB whose header declares
the charset "WindowsVietnamese" (Windows-1258, which GDAL does not translate: it handed the
bytes over undecoded and the read failed, and encoding= was then ignored for a .mif), and GPX
files, which always hold five layers of which a phone fills one."""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from coverage_gis.errors import InputError
from coverage_gis.io import readers

NAMES = ["Thôn Tân Lập", "Thôn Đồng Tâm", "Xóm Ải Hữu"]
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: letters with their shape (â, ơ, đ) precomposed, tone
    marks as combining characters after them (as Windows does)."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out += (base + "".join(c for c in decomposed if c in TONES)).encode("cp1258")
    return out


def mif_in_cp1258(folder: Path) -> Path:
    """Three hamlet squares as a MIF/MID pair in WGS 84 whose text is Windows-1258 and whose
    header says so (Charset "WindowsVietnamese"), as MapInfo writes them in Vietnam."""
    gdf = gpd.GeoDataFrame({"hamlet_id": ["H1", "H2", "H3"], "name": NAMES},
                           geometry=[shapely.box(105.84 + i / 100, 20.06, 105.85 + i / 100,
                                                 20.07) for i in range(3)], crs=4326)
    plain = folder / "plain.mif"
    pyogrio.write_dataframe(gdf, plain, driver="MapInfo File", dataset_options={"FORMAT": "MIF"})
    mif = plain.read_text(encoding="utf-8").replace('Charset "Neutral"',
                                                    'Charset "WindowsVietnamese"')
    out = folder / "thon.mif"
    out.write_text(mif, encoding="ascii")
    out.with_suffix(".mid").write_bytes(cp1258(plain.with_suffix(".mid").read_text("utf-8")))
    return out


def test_the_test_file_is_what_mapinfo_writes(tmp_path):
    mif = mif_in_cp1258(tmp_path)
    assert 'Charset "WindowsVietnamese"' in mif.read_text(encoding="ascii")
    raw = mif.with_suffix(".mid").read_bytes()
    assert "Tân Lập".encode() not in raw
    assert unicodedata.normalize("NFC", raw.decode("cp1258")).count("Đồng Tâm") == 1
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_a_mif_in_windows_vietnamese_is_read_by_its_header(tmp_path):
    mif = mif_in_cp1258(tmp_path)
    before = mif.with_suffix(".mid").read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf, _ = readers.read_vector(mif)
    assert list(gdf["name"]) == NAMES   # composed (NFC), as typed on Windows
    assert not [w for w in caught if "iconv" in str(w.message)]   # GDAL's, handled here
    # naming the codec is accepted too (it was "ignored": the text is Unicode already)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gdf, _ = readers.read_vector(mif, encoding="cp1258")
    assert list(gdf["name"]) == NAMES
    assert mif.with_suffix(".mid").read_bytes() == before


def test_a_mapinfo_file_in_unicode_is_read_as_it_is(tmp_path):
    gdf = gpd.GeoDataFrame({"hamlet_id": ["H1"], "name": [NAMES[1]]},
                           geometry=[shapely.box(105.84, 20.06, 105.85, 20.07)], crs=4326)
    tab = tmp_path / "thon.tab"
    pyogrio.write_dataframe(gdf, tab, driver="MapInfo File")
    assert readers._mapinfo_charset(tab) == "Neutral"
    assert list(readers.read_vector(tab)[0]["name"]) == [NAMES[1]]


def test_a_tab_header_names_its_charset(tmp_path):
    tab = tmp_path / "x.tab"
    tab.write_text('!table\n!version 300\n!charset WindowsVietnamese\n\nDefinition Table\n  '
                   'Type NATIVE Charset "WindowsVietnamese"\n', encoding="ascii")
    assert readers._mapinfo_charset(tab) == "WindowsVietnamese"
    assert readers._mapinfo_charset(tmp_path / "missing.tab") is None


def test_a_gpx_is_read_from_its_only_filled_layer(tmp_path):
    pts = gpd.GeoDataFrame({"name": ["BTS 1", "BTS 2"]},
                           geometry=shapely.points([[105.85, 20.06], [105.86, 20.07]]),
                           crs=4326)
    gpx = tmp_path / "phone.gpx"
    pyogrio.write_dataframe(pts, gpx, driver="GPX")
    assert len(pyogrio.list_layers(gpx)) == 5
    gdf, _ = readers.read_vector(gpx)
    assert list(gdf["name"]) == ["BTS 1", "BTS 2"] and set(gdf.geom_type) == {"Point"}
    # waypoints and a track: two layers hold features, which one is for the user to say
    both = tmp_path / "both.gpx"
    both.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="phone" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        '<wpt lat="20.06" lon="105.85"><name>BTS 1</name></wpt>'
        '<trk><name>tuyến 1</name><trkseg><trkpt lat="20.06" lon="105.85"/>'
        '<trkpt lat="20.07" lon="105.86"/></trkseg></trk></gpx>', encoding="utf-8")
    with pytest.raises(InputError) as err:
        readers.read_vector(both)
    assert "both.gpx: has 5 layers" in str(err.value) and "layer=" in str(err.value)
    assert len(readers.read_vector(both, layer="tracks")[0]) == 1


@pytest.mark.parametrize("charset", ["WindowsLatin1", "Neutral"])
def test_a_mapinfo_file_in_tcvn3_is_read_with_encoding_tcvn3(tmp_path, charset):
    """TCVN3 text (.VnTime fonts) in a MapInfo file declared WindowsLatin1 (GDAL decodes it)
    or Neutral (GDAL hands over the bytes): encoding='tcvn3' converts it either way."""
    from .test_vietnamese import tcvn3_encode
    names = NAMES[:2]   # TCVN3 has no capital letters with marks but Đ
    gdf = gpd.GeoDataFrame({"hamlet_id": ["H1", "H2"], "name": names},
                           geometry=[shapely.box(105.84, 20.06, 105.85, 20.07)] * 2, crs=4326)
    plain = tmp_path / "plain.mif"
    pyogrio.write_dataframe(gdf, plain, driver="MapInfo File", dataset_options={"FORMAT": "MIF"})
    out = tmp_path / f"tcvn3_{charset}.mif"
    out.write_text(plain.read_text(encoding="utf-8").replace(
        'Charset "Neutral"', f'Charset "{charset}"'), encoding="ascii")
    out.with_suffix(".mid").write_bytes(tcvn3_encode(
        plain.with_suffix(".mid").read_text(encoding="utf-8")))
    assert list(readers.read_vector(out, encoding="tcvn3")[0]["name"]) == names


def test_osm_building_heights_become_household_heights(tmp_path):
    """An OSM building's ``height`` (m) or ``building:levels`` × 3 m becomes its households'
    ``height_m``: the check's RF exposure counts people up to there (tests/test_check_rules.py)."""
    from coverage_gis.io import osm
    nodes, ways = [], []
    for k, tags in enumerate([{"height": "12.5 m"}, {"building:levels": "4"},
                              {"height": "40 ft", "building:levels": "2"}, {}]):
        x0, ids = 105.85 + k * 0.001, []
        for j, (dx, dy) in enumerate([(0, 0), (1, 0), (1, 1), (0, 1)]):
            nid = 100 * (k + 1) + j
            nodes.append(f'<node id="{nid}" version="1" lat="{20.06 + dy * 1e-4}" '
                         f'lon="{x0 + dx * 1e-4}"/>')
            ids.append(nid)
        refs = "".join(f'<nd ref="{n}"/>' for n in [*ids, ids[0]])
        tag_xml = "".join(f'<tag k="{a}" v="{b}"/>' for a, b in
                          {"building": "house", **tags}.items())
        ways.append(f'<way id="{k + 1}" version="1">{refs}{tag_xml}</way>')
    path = tmp_path / "heights.osm"
    path.write_text('<?xml version="1.0"?><osm version="0.6">' + "".join(nodes + ways)
                    + "</osm>", encoding="utf-8")
    homes = osm.read_osm_buildings(path).set_index("osm_id")
    assert homes.at[1, "height_m"] == 12.5
    assert homes.at[2, "height_m"] == 4 * 3.0
    assert homes.at[3, "height_m"] == 2 * 3.0     # feet are not read: the levels are
    assert np.isnan(homes.at[4, "height_m"])


@pytest.mark.parametrize("cpg", ["CP1258", "1258", "windows-1258"])
def test_a_shapefile_whose_cpg_says_1258_keeps_every_character(tmp_path, cpg):
    """GDAL's iconv decoding of Windows-1258 drops the last character of every value and
    field name (``name`` read as ``nam``, "Thôn Tân Lập" as "Thôn Tân Lậ"): such a shapefile
    is read byte for byte and decoded with Python's codec; zipped too."""
    import zipfile
    gdf = gpd.GeoDataFrame({"hamlet_id": ["H1", "H2", "H3"], "name": NAMES},
                           geometry=[shapely.box(105.84, 20.06, 105.85, 20.07)] * 3, crs=4326)
    shp = tmp_path / "thon.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="cp1258")
    shp.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    assert "Tân Lập".encode() not in shp.with_suffix(".dbf").read_bytes()
    out, _ = readers.read_vector(shp)
    assert list(out.columns[:2]) == ["hamlet_id", "name"] and list(out["name"]) == NAMES
    zipped = tmp_path / "thon.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for part in tmp_path.glob("thon.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    assert list(readers.read_vector(zipped)[0]["name"]) == NAMES


def test_a_utf8_shapefile_whose_cpg_says_1258_is_read_as_utf8_with_a_warning(tmp_path):
    gdf = gpd.GeoDataFrame({"name": NAMES}, crs=4326,
                           geometry=[shapely.box(105.84, 20.06, 105.85, 20.07)] * 3)
    shp = tmp_path / "thon.shp"
    pyogrio.write_dataframe(gdf, shp)
    shp.with_suffix(".cpg").write_text("1258", encoding="ascii")
    with pytest.warns(Warning, match="its text is UTF-8 but its .cpg"):
        out, _ = readers.read_vector(shp)
    assert list(out["name"]) == NAMES


def test_a_shapefile_in_windows_1258_without_a_cpg_is_warned_about(tmp_path):
    """Without a .cpg GDAL reads a DBF as Latin-1: Windows-1258 text became "Thôn Tân Lâòp"
    with no word. It is kept as read (the codec is the user's to name) with a warning that
    shows what it would read in Windows-1258; Latin-1 text with the same bytes ("Città lì",
    "Òscar") is not warned about."""
    gdf = gpd.GeoDataFrame({"name": NAMES}, crs=4326,
                           geometry=[shapely.box(105.84, 20.06, 105.85, 20.07)] * 3)
    shp = tmp_path / "thon.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="cp1258")
    shp.with_suffix(".cpg").unlink()
    with pytest.warns(Warning, match="looks like Windows-1258 Vietnamese text") as caught:
        readers.read_vector(shp)
    assert "Thôn Tân Lập" in " ".join(str(w.message) for w in caught)
    assert list(readers.read_vector(shp, encoding="cp1258")[0]["name"]) == NAMES
    for text in ("Città lì", "Òscar", "São Paulo", "ThÃ´n"):
        assert not readers._cp1258_as_latin1(text), text
