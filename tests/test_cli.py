"""The command line: reports, exit codes, no tracebacks for bad input, atomic outputs."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from coverage_gis.cli.main import main

from .conftest import LAT, LON, digest, write_text


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coverage_gis.cli", *args],
                          capture_output=True, text=True, timeout=120)


def test_bad_input_exits_1_with_the_message_and_no_traceback(tmp_path):
    bad = write_text(tmp_path / "sites.csv", "site_id,operator,technology,lon,lat\n"
                                             "A,Viettel,4G,20.06,105.88\n")
    result = run_cli("validate", "--sites", str(bad))
    assert result.returncode == 1
    assert "sites.csv row 1: lat=105.88 is outside -90..90 (are lon and lat swapped?)" \
        in result.stdout
    assert "validation failed: 1 error(s)" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("flag,content,message", [
    ("--hamlets", '{"type": "FeatureCollection", "features": [', "malformed JSON"),
    ("--dem", "not a raster", "is not a raster GDAL can read"),
    ("--statistics", "population\n5\n", "column 'year' is required but missing"),
])
def test_each_layer_flag_reports_its_file(tmp_path, capsys, flag, content, message):
    name = {"--hamlets": "thon.geojson", "--dem": "dem.tif", "--statistics": "s.csv"}[flag]
    path = write_text(tmp_path / name, content)
    assert main(["validate", flag, str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{name}: " in out and message in out


def test_crs_and_encoding_flags_apply_to_the_files_given(tmp_path, capsys):
    path = write_text(tmp_path / "ap.csv", "ap_id,operator,x,y\nA1,VNPT,590000,2219000\n")
    assert main(["validate", "--access-points", str(path)]) == 1
    assert "no CRS" in capsys.readouterr().out
    assert main(["validate", "--access-points", str(path), "--crs", "vn2000-thanhhoa"]) == 0
    out = capsys.readouterr().out
    assert "OK: no errors" in out and "EPSG:5897" in out
    assert main(["validate", "--access-points", str(path), "--crs", "nowhere"]) == 1
    assert "ap.csv: unknown CRS 'nowhere'" in capsys.readouterr().out
    # with no file given, they applied to nothing, silently (found by fuzzing)
    assert main(["validate", "--encoding", "cp1258"]) == 1
    assert ("--encoding: applies to the files given on the command line (--hamlets FILE, "
            "--sites FILE, ...), and none was given") in capsys.readouterr().err
    assert main(["validate", "--crs", "wgs84", "--encoding", "tcvn3"]) == 1
    assert "--crs and --encoding: apply to the files given" in capsys.readouterr().err


def test_validate_a_scenario_and_replace_one_layer(small_scenario, tmp_path, capsys):
    assert main(["validate", str(small_scenario)]) == 0
    out = capsys.readouterr().out
    assert "Scenario: Thử nghiệm" in out and "EPSG:32648" in out
    assert "site_id=FAR" in out  # the exclusion warning is listed
    other = write_text(tmp_path / "other.csv", "site_id,operator,technology,lon,lat\n"
                                               f"Z,Viettel,5G,{LON},{LAT}\n")
    assert main(["validate", str(small_scenario), "--sites", str(other)]) == 0
    assert "other.csv" in capsys.readouterr().out


def test_analyze_computes_the_indicators_by_unit_once(small_scenario, tmp_path, monkeypatch,
                                                    capsys):
    """The outputs and the terminal summary share one computation of the units' and the
    province's indicators (:func:`coverage_gis.pipeline.by_unit`)."""
    from coverage_gis import pipeline

    calls: list[str] = []
    for name in ("unit_indicators", "province_indicators"):
        real = getattr(pipeline, name)
        monkeypatch.setattr(pipeline, name,
                            lambda a, _real=real, _name=name: calls.append(_name) or _real(a))
    assert main(["analyze", str(small_scenario), "--out", str(tmp_path / "out")]) == 0
    assert sorted(calls) == ["province_indicators", "unit_indicators"]
    assert "Outputs in" in capsys.readouterr().out


def test_analyze_writes_outputs_atomically_and_needs_overwrite(small_scenario, tmp_path, capsys):
    out = tmp_path / "out"
    before = digest(small_scenario.parent / "sites.csv")
    assert main(["analyze", str(small_scenario), "--out", str(out)]) == 0
    hamlets = pd.read_csv(out / "hamlets.csv")
    assert list(hamlets["hamlet_id"]) == ["T1", "T2"]
    assert list(hamlets["households"]) == [1, 1]
    assert hamlets["area_km2"].between(0.5, 1.0).all()  # 0.008° x 0.008° at 20° N ≈ 0.78 km²
    assert (out / "layers.csv").exists()
    from coverage_gis.outputs.writer import OUTPUT_NAMES
    names = {p.name for p in out.iterdir()}
    assert names <= set(OUTPUT_NAMES)  # nothing else: no temporary files
    assert {"hamlets.csv", "map.html", "report.html", "scorecard.csv", "results.gpkg",
            "results.kmz", "report.xlsx", "rasters"} <= names
    assert not [p for p in out.rglob(".*")]  # no temporary files left
    assert main(["analyze", str(small_scenario), "--out", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["analyze", str(small_scenario), "--out", str(out), "--overwrite"]) == 0
    assert digest(small_scenario.parent / "sites.csv") == before


def test_analyze_with_bad_input_writes_nothing(small_scenario, tmp_path, capsys):
    write_text(small_scenario.parent / "sites.csv", "site_id,operator\nA,Viettel\n")
    out = tmp_path / "out"
    assert main(["analyze", str(small_scenario), "--out", str(out)]) == 1
    assert "nothing written" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "--help"])
    assert info.value.code == 0
    assert "coverage-gis validate --sites towers.csv" in capsys.readouterr().out
    assert main([]) == 2


GARBAGE = {
    "random bytes": bytes(range(256)) * 4,
    "empty": b"",
    "html": b"<html><body>404 Not Found</body></html>",
    "half a zip": b"PK\x03\x04" + b"\x00" * 40,
    "nul text": b"a,b\n\x00\x00,1\n",
}


@pytest.mark.parametrize("suffix,flag", [
    (".csv", "--sites"), (".geojson", "--hamlets"), (".shp", "--roads"), (".gpkg", "--households"),
    (".kml", "--fibre"), (".zip", "--hamlets"), (".tif", "--dem"), (".xlsx", "--statistics"),
    (".csv", "--access-points"), (".json", "--statistics"),
])
@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_files_never_give_a_traceback(tmp_path, capsys, suffix, flag, kind):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(GARBAGE[kind])
    assert main(["validate", flag, str(path)]) == 1
    captured = capsys.readouterr()
    assert "garbage" in captured.out + captured.err  # the message names the file
    assert "Traceback" not in captured.out + captured.err


def test_garbage_scenario_file(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_bytes(bytes(range(256)))
    assert main(["validate", str(path)]) == 1
    assert "s.toml" in capsys.readouterr().err
