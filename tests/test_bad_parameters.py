"""Parameters checked at the boundary: every scenario table and every numeric option.

Each bad case runs the real command line in-process and checks: exit code 1, the message names
the scenario file (TOML cases), the table and key or the option, and what was expected, no
traceback, and the input files byte-identical afterwards.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.config.params import (
    CoverageParams,
    FibreParams,
    SharingParams,
    parse_number,
)
from coverage_gis.config.scenario import read_scenario
from coverage_gis.errors import InputError

from .conftest import LAT, LON, digest, write_text

# --------------------------------------------------------------------------------------------
# A small scenario folder
# --------------------------------------------------------------------------------------------

LAYERS = """
[layers]
hamlets = "thon.geojson"
sites = "sites.csv"
"""


@pytest.fixture
def inputs(tmp_path, hamlets_gdf) -> Path:
    """A folder with two hamlets and two sites (the scenario TOML is written per case)."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    hamlets_gdf.to_file(folder / "thon.geojson")
    write_text(folder / "sites.csv", "site_id,operator,technology,lon,lat\n"
                                     f"A,Viettel,4G,{LON},{LAT}\n"
                                     f"B,VinaPhone,4G,{LON + 0.01},{LAT}\n")
    return folder


def scenario(folder: Path, table: str = "", body: str = "", top: str = "",
             name: str = "scenario.toml") -> Path:
    """A scenario TOML in ``folder``: ``body`` goes into ``[table]`` (``""``: no extra table),
    ``top`` before every table."""
    head = body if table == "scenario" else ""
    if "name =" not in head:
        head = 'name = "Thử nghiệm"\n' + head
    text = f"{top}\n[scenario]\n{head}\n{LAYERS}"
    if table == "layers":
        text += body + "\n"
    elif table and table != "scenario":
        text += f"\n[{table}]\n{body}\n"
    return write_text(folder / name, text)


def run_failing(argv: list[str], folder: Path, capsys) -> str:
    """Run the command line on bad input: exit 1, no traceback, inputs untouched; the
    message."""
    before = digest(folder)
    code = main(argv)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code == 1, text
    assert "Traceback" not in text
    assert digest(folder) == before
    return captured.err


# --------------------------------------------------------------------------------------------
# Scenario tables: (table, TOML lines, what the message names, what was expected)
# --------------------------------------------------------------------------------------------

TOML_CASES = [
    # [scenario]
    ("scenario", 'year = "2025"', "[scenario] year='2025'",
     "expected a whole number from 2000 to 2100 (a number without quotes: 2025)"),
    ("scenario", "year = 1990", "[scenario] year=1990",
     "expected a whole number from 2000 to 2100"),
    ("scenario", "year = 2025.5", "[scenario] year=2025.5", "expected a whole number"),
    ("scenario", "name = 42", "[scenario] name=42", "expected text"),
    ("scenario", "crs = true", "[scenario] crs=True", "expected a CRS name or EPSG code"),
    ("scenario", "study_area_margin_m = -100", "[scenario] study_area_margin_m=-100",
     "expected a number of metres from 0 to 100000"),
    ("scenario", "study_area_margin_m = 1e308", "[scenario] study_area_margin_m=1e+308",
     "expected a number of metres from 0 to 100000"),
    ("scenario", 'study_area_margin_m = "15 km"', "[scenario] study_area_margin_m='15 km'",
     "expected a number of metres from 0 to 100000 (the number alone, in metres, without quotes "
     "or unit)"),
    ("scenario", 'nam = "x"', "[scenario]: unknown key 'nam'", "did you mean 'name'?"),
    # [coverage]: numbers
    ("coverage", 'resolution_m = "30 m"', "[coverage] resolution_m='30 m'",
     "expected a number of metres from 1 to 1000 (the number alone, without quotes or unit: 30)"),
    ("coverage", "resolution_m = 0", "[coverage] resolution_m=0",
     "expected a number of metres from 1 to 1000"),
    ("coverage", "resolution_m = -30", "[coverage] resolution_m=-30",
     "expected a number of metres from 1 to 1000"),
    # a unit mistake asked for a grid of petabytes (found by fuzzing)
    ("coverage", "resolution_m = 0.001", "[coverage] resolution_m=0.001",
     "expected a number of metres from 1 to 1000"),
    ("coverage", "resolution_m = nan", "[coverage] resolution_m=nan", "a finite number"),
    ("coverage", "resolution_m = true", "[coverage] resolution_m=True",
     "expected a number of metres from 1 to 1000"),
    ("coverage", "margin_m = -1", "[coverage] margin_m=-1",
     "expected a number of metres from 0 to 100000"),
    ("coverage", "margin_m = 1e308", "[coverage] margin_m=1e+308",
     "expected a number of metres from 0 to 100000"),
    ("coverage", "ue_height_m = 0", "[coverage] ue_height_m=0",
     "expected a number of metres > 0 and <= 300"),
    ("coverage", "body_loss_db = -3", "[coverage] body_loss_db=-3",
     "expected a number of dB from 0 to 50"),
    ("coverage", 'indoor_loss_db = "15 dB"', "[coverage] indoor_loss_db='15 dB'",
     "expected a number of dB from 0 to 50"),
    ("coverage", "max_range_m = 0", "[coverage] max_range_m=0",
     "expected a number of metres > 0"),
    # [coverage]: shares
    ("coverage", "hamlet_share = 95", "[coverage] hamlet_share=95",
     "hamlet_share=95 is a fraction from 0 to 1; did you mean 0.95?"),
    ("coverage", "hamlet_share = -0.1", "[coverage] hamlet_share=-0.1",
     "expected a fraction above 0, up to 1"),
    # a target of 0 is none (it crashed the map's legend)
    ("coverage", "hamlet_share = 0", "[coverage] hamlet_share=0",
     "expected a fraction above 0, up to 1"),
    ("coverage", 'hamlet_share = "95%"', "[coverage] hamlet_share='95%'",
     "is a fraction from 0 to 1; did you mean 0.95?"),
    # [coverage]: words and flags
    ("coverage", 'environment = "forest"', "[coverage] environment='forest'",
     "expected one of 'rural', 'suburban', 'urban'"),
    ("coverage", 'environment = "Suburban"', "[coverage] environment='Suburban'",
     "did you mean 'suburban'?"),
    ("coverage", "environment = 2", "[coverage] environment=2", "expected one of 'rural'"),
    ("coverage", 'model = "hata"', "[coverage] model='hata'", "expected one of 'free_space'"),
    ("coverage", 'terrain_method = "deygot"', "[coverage] terrain_method='deygot'",
     "expected one of 'delta_bullington', 'single', 'deygout' (did you mean 'deygout'?)"),
    ("coverage", 'indoor = "yes"', "[coverage] indoor='yes'", "expected true or false"),
    ("coverage", "include_planned = 1", "[coverage] include_planned=1",
     "expected true or false"),
    # [coverage]: thresholds per technology
    ("coverage", "thresholds_dbm = -110", "[coverage] thresholds_dbm=-110",
     "expected a table with, per technology (2G, 3G, 4G, 5G), a number of dBm from -140 to "
     '-44, e.g. { "4G" = -110.0 }'),
    ("coverage", 'thresholds_dbm = { "LTE" = -110 }',
     "[coverage] thresholds_dbm: unknown technology 'LTE'", "(did you mean '4G'?)"),
    ("coverage", 'thresholds_dbm = { "4G" = 110 }', "[coverage] thresholds_dbm.4G=110",
     "expected a number of dBm from -140 to -44"),
    ("coverage", 'thresholds_dbm = { "5G" = "-110 dBm" }',
     "[coverage] thresholds_dbm.5G='-110 dBm'", "expected a number of dBm"),
    ("coverage", "resolution = 30", "[coverage]: unknown key 'resolution'",
     "did you mean 'resolution_m'?"),
    # [sharing]
    ("sharing", 'ratio = "tower"', "[sharing] ratio='tower'",
     "expected one of 'towers', 'installations' (did you mean 'towers'?)"),
    ("sharing", "tower_distance_m = -25", "[sharing] tower_distance_m=-25",
     "expected a number of metres from 0 to 10000"),
    ("sharing", 'candidate_distance_m = "500m"', "[sharing] candidate_distance_m='500m'",
     "expected a number of metres from 0 to 10000"),
    ("sharing", "urban_candidate_distance_m = [100]",
     "[sharing] urban_candidate_distance_m=[100]", "expected a number of metres"),
    ("sharing", "candidate_distance = 500", "[sharing]: unknown key 'candidate_distance'",
     "did you mean 'candidate_distance_m'?"),
    # [fibre]
    ("fibre", 'hamlet_rule = "majority"', "[fibre] hamlet_rule='majority'",
     "expected one of 'cultural_house', 'share'"),
    ("fibre", "hamlet_share = 80", "[fibre] hamlet_share=80",
     "hamlet_share=80 is a fraction from 0 to 1; did you mean 0.8?"),
    ("fibre", "detour_factor = 0.5", "[fibre] detour_factor=0.5",
     "expected a number from 1 to 10"),
    ("fibre", 'max_drop_m = "300 m"', "[fibre] max_drop_m='300 m'",
     "expected a number of metres from 0 to 10000"),
    ("fibre", "route_sample_m = 0", "[fibre] route_sample_m=0",
     "expected a number of metres from 1 to 1000"),
    ("fibre", "site_spacing_m = -10", "[fibre] site_spacing_m=-10",
     "expected a number of metres from 1 to 1000"),
    # found by fuzzing: each crashed, or asked for terabytes
    ("fibre", "route_sample_m = 1e-9", "[fibre] route_sample_m=1e-09",
     "expected a number of metres from 1 to 1000"),
    ("fibre", "site_spacing_m = 1e-9", "[fibre] site_spacing_m=1e-09",
     "expected a number of metres from 1 to 1000"),
    ("fibre", "connector_max_m = 0", "[fibre] connector_max_m=0",
     "expected a number of metres > 0 and <= 10000"),
    ("fibre", "hamlet_share = 0", "[fibre] hamlet_share=0",
     "expected a fraction above 0, up to 1"),
    ("suggestions", "spacing_m = 1e-6", "[suggestions] spacing_m=1e-06",
     "expected a number of metres from 10 to 100000"),
    ("suggestions", "railway_corridor_m = 1e308", "[suggestions] railway_corridor_m=1e+308",
     "expected a number of metres from 0 to 1000"),
    ("calibration", 'clutter_offsets_db = { "abc" = 3.0 }',
     "[calibration] clutter_offsets_db: 'abc' is not a land-cover class code",
     'expected whole numbers as keys, e.g. { "10" = 6.0 }'),
    # [gpon]: checks across keys, found by fuzzing: validate said OK and analyze refused
    ("gpon", "split_ratio = 3", "[gpon] split_ratio must be one of 2, 4, 8",
     "got 3"),
    ("gpon", 'budget_class = "Z"', "[gpon] budget_class must be one of B+, C+",
     "got 'Z'"),
    ("gpon", 'splitter_loss_db = { "-32" = 3.0 }', "[gpon] splitter_loss_db",
     "expected split ratios as keys (whole numbers from 2"),
    ("gpon", 'splitter_loss_db = { "1.5" = 3.0 }', "[gpon] splitter_loss_db",
     "expected split ratios as keys (whole numbers from 2"),
    ("gpon", "cable_section_km = 1e-300", "[gpon] cable_section_km=1e-300",
     "expected a number of km from 0.1 to 100"),
    ("gpon", "max_reach_km = 1e-300", "[gpon] max_reach_km=1e-300",
     "expected a number of km from 1 to 100"),
    ("fibre_build", "national_road_name = ''", "[fibre_build] national_road_name=''",
     "expected a regular expression that matches something, e.g. \"^(QL|Quốc lộ)\" (empty "
     "text)"),
    ("fibre_build", "aerial_vnd_per_m = 1e308", "[fibre_build] aerial_vnd_per_m=1e+308",
     "expected a number of VND from 0 to 1000000000000"),
    ("fibre", 'respect_ports = "true"', "[fibre] respect_ports='true'",
     "expected true or false (without quotes)"),
    ("fibre", "max_drop = 250", "[fibre]: unknown key 'max_drop'",
     "did you mean 'max_drop_m'?"),
    # [layers]: options
    ("layers", 'constraints = { path = "c.geojson", min_distance_m = "50 m" }',
     "[layers] constraints.min_distance_m='50 m'", "expected a number of metres from 0 to 10000"),
    # 1e308 m was taken, and a school 1 km away reported as too near (found by fuzzing)
    ("layers", 'constraints = { path = "c.geojson", min_distance_m = 1e308 }',
     "[layers] constraints.min_distance_m=1e+308", "expected a number of metres from 0 to 10000"),
    ("layers", 'roads = { path = "r.geojson", crs = "" }', "[layers] roads.crs=''",
     "expected a CRS name or EPSG code"),
    # an empty list crashed the loader (found by fuzzing)
    ("layers", "dem = []", ": layer 'dem' = []", "expected a file, or a list of files; remove "
     "the line for no such layer"),
    ("layers", "households = []", ": layer 'households' = []", "expected a file; remove"),
    # unknown tables
    ("coverge", "resolution_m = 30", ": unknown table [coverge]",
     "(did you mean [coverage]?); known tables: [scenario], [layers], [provenance], [coverage]"),
    ("radio", "band_mhz = 1800", ": unknown table [radio]", "known tables: [scenario]"),
]


@pytest.mark.parametrize("table,body,names,expected", TOML_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in TOML_CASES])
def test_bad_scenario_parameter(inputs, capsys, table, body, names, expected):
    toml = scenario(inputs, table, body)
    err = run_failing(["validate", str(toml)], inputs, capsys)
    assert f"scenario.toml{names}" in err or f"scenario.toml {names}" in err
    assert expected in err


def test_a_parameter_table_that_is_not_a_table(inputs, capsys):
    toml = scenario(inputs, top="coverage = 5")
    err = run_failing(["validate", str(toml)], inputs, capsys)
    assert "scenario.toml [coverage]=5: expected a table of parameters" in err


def test_every_problem_is_listed_at_once(inputs, capsys):
    toml = scenario(inputs, "coverage", 'resolution_m = "30 m"\nhamlet_share = 95\n'
                    "[sharing]\nratio = 'tower'\n[fibre]\ndetour_factor = 0.5\n[radi]\n",
                    top="")
    toml.write_text(toml.read_text().replace('name = "Thử nghiệm"',
                                             'name = "Thử nghiệm"\nyear = 1990'))
    for command in (["validate", str(toml)],
                    ["analyze", str(toml), "--out", str(inputs.parent / "out")]):
        err = run_failing(command, inputs, capsys)
        assert "6 problems in the input" in err
        for part in ("[scenario] year=1990", "[coverage] resolution_m='30 m'",
                     "[coverage] hamlet_share=95", "[sharing] ratio='tower'",
                     "[fibre] detour_factor=0.5", "unknown table [radi]"):
            assert f"scenario.toml {part}" in err or f"scenario.toml: {part}" in err
    assert not (inputs.parent / "out").exists()


# --------------------------------------------------------------------------------------------
# Command-line options: (command and options, the option, what was expected)
# --------------------------------------------------------------------------------------------

CHECK_SITE = ["check-site", "--operator", "Viettel", "--technology", "4G"]
WHERE = ["--lon", str(LON), "--lat", str(LAT)]

CLI_CASES = [
    # analyze --resolution-m
    (["analyze", "--resolution-m", "0"], "--resolution-m='0'",
     "expected a number of metres from 1 to 1000"),
    (["analyze", "--resolution-m", "30 m"], "--resolution-m='30 m'",
     "expected a number of metres from 1 to 1000 (the number alone, without a unit: 30)"),
    (["analyze", "--resolution-m", "abc"], "--resolution-m='abc'",
     "expected a number of metres from 1 to 1000"),
    (["analyze", "--resolution-m", "nan"], "--resolution-m='nan'", "(a finite number)"),
    (["analyze", "--resolution-m", "inf"], "--resolution-m='inf'", "(a finite number)"),
    (["analyze", "--resolution-m", "-5"], "--resolution-m='-5'",
     "expected a number of metres from 1 to 1000"),
    (["analyze", "--resolution-m", ""], "--resolution-m=''", "(the value is empty)"),
    (["analyze", "--resolution-m", "1.000"], "--resolution-m='1.000' is ambiguous",
     "write 1 for the decimal reading or 1000 without grouping"),
    # analyze --site-detail "" was taken for no --site-detail (found by fuzzing)
    (["analyze", "--site-detail", ""], "--site-detail ''", "expected a site_id"),
    # suggest-sites --max-sites, --spacing-m
    (["suggest-sites", "--max-sites", "0"], "--max-sites='0'",
     "expected a whole number from 1 to 1000"),
    (["suggest-sites", "--max-sites", "2.5"], "--max-sites='2.5'",
     "expected a whole number from 1 to 1000"),
    (["suggest-sites", "--max-sites", "three"], "--max-sites='three'",
     "expected a whole number from 1 to 1000"),
    (["suggest-sites", "--max-sites", "5000"], "--max-sites='5000'",
     "expected a whole number from 1 to 1000"),
    (["suggest-sites", "--spacing-m", "5"], "--spacing-m='5'",
     "expected a number of metres from 10 to 100000"),
    (["suggest-sites", "--spacing-m", "400 m"], "--spacing-m='400 m'",
     "expected a number of metres from 10 to 100000"),
    (["suggest-sites", "--spacing-m", "-400"], "--spacing-m='-400'",
     "expected a number of metres from 10 to 100000"),
    # suggest-sites --operator "" ran for any operator (found by fuzzing: an unset variable)
    (["suggest-sites", "--operator", ""], "operator ''", "is not a known operator"),
    # check-site
    # --crs beside --lon/--lat was ignored (found by fuzzing)
    ([*CHECK_SITE, *WHERE, "--crs", "EPSG:32648"], "crs 'EPSG:32648' applies to x and y",
     "leave crs out"),
    ([*CHECK_SITE, *WHERE, "--height-m", "0"], "--height-m='0'",
     "expected a number of metres from 1 to 300"),
    ([*CHECK_SITE, *WHERE, "--height-m", "35m"], "--height-m='35m'",
     "expected a number of metres from 1 to 300 (the number alone, without a unit: 35)"),
    ([*CHECK_SITE, *WHERE, "--height-m", "500"], "--height-m='500'",
     "expected a number of metres from 1 to 300"),
    ([*CHECK_SITE, *WHERE, "--band-mhz", "abc"], "--band-mhz='abc'",
     "expected a number of MHz from 400 to 100000"),
    ([*CHECK_SITE, *WHERE, "--band-mhz", "1.800"], "--band-mhz='1.800'",
     "(if you meant 1800, write it without a thousands separator)"),
    ([*CHECK_SITE, *WHERE, "--band-mhz", "1,800"], "--band-mhz='1,800' is ambiguous",
     "Expected a number of MHz from 400 to 100000"),
    # a number's words hold hemisphere letters: "nan" was "N marks a latitude", "1e3" "holds
    # two values" (found by fuzzing)
    ([*CHECK_SITE, "--lon", "nan", "--lat", str(LAT)], "--lon='nan'",
     "expected a number of degrees from -180 to 180 (a finite number)"),
    ([*CHECK_SITE, "--lon", "1e3", "--lat", str(LAT)], "--lon='1e3'",
     "expected a number of degrees from -180 to 180"),
    ([*CHECK_SITE, "--lon", "200", "--lat", str(LAT)], "--lon='200'",
     "expected a number of degrees from -180 to 180"),
    ([*CHECK_SITE, "--lon", "105,862", "--lat", str(LAT)], "--lon='105,862' is ambiguous",
     "write it with a decimal point and no grouping (105.862 or 105862)"),
    ([*CHECK_SITE, "--lon", str(LON), "--lat", "95"], "--lat='95'",
     "expected a number of degrees from -90 to 90"),
    ([*CHECK_SITE, "--lon", str(LAT), "--lat", str(LON)], f"--lat='{LON}'",
     "expected a number of degrees from -90 to 90 (are lon and lat swapped?)"),
    ([*CHECK_SITE, "--lon", str(LON), "--lat", "north"], "--lat='north'",
     "expected a number of degrees from -90 to 90"),
    ([*CHECK_SITE, *WHERE, "--azimuth-deg", "0", "400"], "--azimuth-deg='400'",
     "expected a number of degrees from 0 to 360"),
    ([*CHECK_SITE, *WHERE, "--azimuth-deg", "-10"], "--azimuth-deg='-10'",
     "expected a number of degrees from 0 to 360"),
    ([*CHECK_SITE, *WHERE, "--eirp-dbm", "200"], "--eirp-dbm='200'",
     "expected a number of dBm from 0 to 90"),
    ([*CHECK_SITE, *WHERE, "--eirp-dbm", "60 dBm"], "--eirp-dbm='60 dBm'",
     "expected a number of dBm from 0 to 90"),
    # a negative number with an exponent is a value, not an option (Python 3.11's argparse
    # said "expected one argument")
    ([*CHECK_SITE, *WHERE, "--eirp-dbm", "-1e9"], "--eirp-dbm='-1e9'",
     "expected a number of dBm from 0 to 90"),
    ([*CHECK_SITE, "--lon", str(LON), "--lat", "-1.5E2"], "--lat='-1.5E2'",
     "expected a number of degrees from -90 to 90"),
]


@pytest.mark.parametrize("argv,names,expected", CLI_CASES,
                         ids=[" ".join(c[0][:1] + c[0][-2:]) for c in CLI_CASES])
def test_bad_command_line_option(inputs, capsys, argv, names, expected):
    toml = scenario(inputs)
    out = inputs.parent / "out"
    err = run_failing([argv[0], str(toml), *argv[1:], "--out", str(out)], inputs, capsys)
    assert err.startswith("error: ")
    assert names in err and expected in err
    assert not out.exists()


def test_a_bad_option_in_a_real_process(inputs):
    toml = scenario(inputs, "coverage", "hamlet_share = 0.9")
    before = digest(inputs)
    result = subprocess.run([sys.executable, "-m", "coverage_gis.cli", "analyze", str(toml),
                             "--resolution-m", "30 m", "--out", str(inputs.parent / "out")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == ("error: --resolution-m='30 m': expected a number of metres from 1 "
                             "to 1000 (the number alone, without a unit: 30)\n")
    assert "Traceback" not in result.stdout + result.stderr
    assert digest(inputs) == before and not (inputs.parent / "out").exists()


def test_a_grid_too_large_for_any_memory_is_refused(inputs, capsys):
    """Each value within its bounds, together a grid of 200,000 x 200,000 cells (40 billion):
    one message naming both values and the grid's size, nothing written (before, numpy
    failed to allocate petabytes, or the machine began to swap)."""
    toml = scenario(inputs, "coverage", "resolution_m = 1\nmargin_m = 100000")
    out = inputs.parent / "out"
    err = run_failing(["analyze", str(toml), "--out", str(out)], inputs, capsys)
    assert err.startswith("error: [coverage] resolution_m=1, margin_m=100000: the coverage "
                          "grid would have 201,679 x 200,895 cells")
    assert "expected at most 250 M (settings.MAX_GRID_CELLS)" in err
    assert not out.exists()


@pytest.mark.parametrize("argv", [["analyze"], [*CHECK_SITE, *WHERE]])
def test_a_study_without_its_area_says_so_in_any_command(inputs, capsys, argv):
    """A scenario of sites alone: the message names what is missing, not another command
    (check-site said "analyze needs the area to study")."""
    toml = write_text(inputs / "sites_only.toml",
                      '[scenario]\nname = "x"\n[layers]\nsites = "sites.csv"\n')
    err = run_failing([argv[0], str(toml), *argv[1:], "--out", str(inputs.parent / "o")],
                      inputs, capsys)
    assert "the study needs its area: a hamlets layer, or the unit's boundary" in err
    assert "analyze" not in err


def test_every_bad_option_is_listed_at_once(inputs, capsys):
    toml = scenario(inputs)
    err = run_failing([*CHECK_SITE, str(toml), "--lon", "abc", "--lat", "95", "--height-m", "0",
                       "--band-mhz", "x", "--azimuth-deg", "400", "--eirp-dbm", "-1",
                       "--out", str(inputs.parent / "out")], inputs, capsys)
    assert "6 problems in the input" in err
    for flag in ("--lon=", "--lat=", "--height-m=", "--band-mhz=", "--azimuth-deg=",
                 "--eirp-dbm="):
        assert flag in err


# --------------------------------------------------------------------------------------------
# Scenario files that cannot be read
# --------------------------------------------------------------------------------------------

def test_a_folder_given_as_the_scenario(inputs, capsys):
    """A folder holding other TOML files but no scenario.toml: named, with what it holds."""
    scenario(inputs, name="ward.toml")
    err = run_failing(["validate", str(inputs)], inputs, capsys)
    assert "is a folder; give the scenario's .toml file (it holds ward.toml)" in err


def test_a_scenario_folder_is_read_as_its_scenario_toml(inputs, capsys):
    """A folder holding scenario.toml (what `coverage-gis init` writes) is that scenario:
    the same as giving the file, its layers relative to the folder."""

    scenario(inputs)
    by_folder, by_file = read_scenario(inputs), read_scenario(inputs / "scenario.toml")
    assert by_folder == by_file
    assert main(["validate", str(inputs)]) == 0


def test_an_empty_layers_table_says_so(inputs, capsys):
    toml = write_text(inputs / "empty.toml", '[scenario]\nname = "x"\n[layers]\n')
    err = run_failing(["validate", str(toml)], inputs, capsys)
    assert "empty.toml: its [layers] table is empty; name the data files in it" in err


def test_a_missing_scenario_file(inputs, capsys):
    err = run_failing(["validate", str(inputs / "nope.toml")], inputs, capsys)
    assert "nope.toml: scenario file not found" in err


def test_a_scenario_not_in_utf8(inputs, capsys):
    toml = scenario(inputs)
    text = toml.read_text(encoding="utf-8").replace("Thử nghiệm", "Thôn Đông")
    toml.write_bytes(text.encode("cp1258"))  # a legacy Windows editor's Vietnamese
    err = run_failing(["validate", str(toml)], inputs, capsys)
    assert "scenario.toml: is not UTF-8 text (byte 0xf4 on line 3); save the scenario as " \
           "UTF-8" in err


def test_a_scenario_in_utf16(inputs, capsys):
    toml = scenario(inputs)
    toml.write_bytes(toml.read_text(encoding="utf-8").encode("utf-16"))
    err = run_failing(["validate", str(toml)], inputs, capsys)
    assert "scenario.toml: is UTF-16 text; save the scenario as UTF-8" in err


# --------------------------------------------------------------------------------------------
# Good paths
# --------------------------------------------------------------------------------------------

def test_a_scenario_saved_with_a_byte_order_mark_is_read(small_scenario, capsys):
    small_scenario.write_bytes(b"\xef\xbb\xbf" + small_scenario.read_bytes())
    assert read_scenario(small_scenario).name == "Thử nghiệm"
    assert main(["validate", str(small_scenario)]) == 0
    assert "OK: no errors" in capsys.readouterr().out


def test_the_sample_scenario_validates_clean(capsys):
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert "OK: no errors" in captured.out and "Traceback" not in captured.err


@pytest.mark.parametrize("text,bounds,value", [
    ("30", {}, 30.0),
    (" 30.5 ", {}, 30.5),
    ("-110", {}, -110.0),
    ("\u2212110", {}, -110.0),             # a typographic minus, as copied from a document
    ("1e3", {}, 1000.0),
    ("105,844640", {}, 105.84464),        # a decimal comma (Vietnamese locale, Google Maps)
    ("20,061000,", {}, 20.061),           # copied with the separator that followed it
    ("0,5", {}, 0.5),
    ("0.500", {}, 0.5),                   # a leading 0 is never a thousands group
    ("588150,5", {}, 588150.5),
    ("105.852", {"minimum": -180, "maximum": 180}, 105.852),  # 105852 is no longitude
    ("35.000", {"above": 0, "maximum": 300}, 35.0),
])
def test_numbers_as_people_write_them(text, bounds, value):
    assert parse_number(text, "--x", **bounds) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("text,bounds,message", [
    ("4,989", {}, "is ambiguous: a decimal comma or a thousands separator?"),
    ("4.989", {}, "is ambiguous: a decimal point or a thousands separator?"),
    ("1.800", {"minimum": 400, "maximum": 100_000}, "if you meant 1800"),
    ("1.234.567", {}, "write it without thousands separators"),
    ("1 234", {}, "write it without thousands separators"),
    ("30 m", {"unit": "metres"}, "the number alone, without a unit: 30"),
    ("15 km", {"unit": "metres"}, "the number alone, in metres, without a unit)"),
    ("0x10", {}, "expected a number (digits with a decimal point"),
    ("1_000", {}, "expected a number"),
    ("-inf", {}, "a finite number"),
])
def test_numbers_are_never_misread(text, bounds, message):
    with pytest.raises(InputError) as info:
        parse_number(text, "--x", **bounds)
    assert str(info.value).startswith(f"--x={text!r}") and message in str(info.value)


def test_a_decimal_comma_on_the_command_line_is_read(inputs, capsys):
    toml = scenario(inputs)
    err = run_failing([*CHECK_SITE, str(toml), "--lon", "105,844640", "--lat", "20,061000",
                       "--height-m", "0", "--out", str(inputs.parent / "out")], inputs, capsys)
    assert "--height-m='0'" in err and "--lon" not in err and "--lat" not in err


def test_parameters_from_a_scenario_and_overrides():
    params = CoverageParams.from_scenario(
        {"coverage": {"thresholds_dbm": {"4G": -105}, "environment": "rural"}},
        resolution_m="30,5", indoor=True)
    assert params.resolution_m == 30.5 and params.indoor and params.environment == "rural"
    assert params.thresholds_dbm == {**settings.COVERAGE_THRESHOLDS_DBM, "4G": -105}
    assert FibreParams.from_scenario({}) == FibreParams()
    assert SharingParams.from_scenario({"sharing": {"ratio": "installations"}}).ratio == \
        "installations"
    with pytest.raises(InputError) as info:
        CoverageParams.from_scenario({"coverage": {"hamlet_share": 95}}, resolution_m="0")
    assert info.value.problems == [
        "scenario [coverage] hamlet_share=95 is a fraction from 0 to 1; did you mean 0.95?",
        "--resolution-m='0': expected a number of metres from 1 to 1000"]
    with pytest.raises(InputError, match=r"\[coverage\] ue_height_m=0: expected"):
        CoverageParams(ue_height_m=0)
    with pytest.raises(InputError, match=r"\[sharing\] ratio='tower'"):
        SharingParams(ratio="tower")


def test_parameters_not_shaped_as_a_scenarios_tables_are_refused():
    """Found by fuzzing (an analyst in Jupyter): ``from_scenario({'resolution_m': 50})``
    returned 30 m without a word (the key of [coverage] given at the top), a misspelt table
    was ignored, None gave an AttributeError; ``cg.analyze`` of a path an AttributeError."""
    import coverage_gis as cg

    with pytest.raises(InputError) as info:
        CoverageParams.from_scenario({"resolution_m": 50, "coverge": {}})
    assert info.value.problems == [
        "CoverageParams.from_scenario: 'resolution_m' is a key of the [coverage] table: give "
        "{'coverage': {'resolution_m': ...}}, or CoverageParams(resolution_m=...)",
        "CoverageParams.from_scenario: unknown table 'coverge' (did you mean 'coverage'?)"]
    with pytest.raises(InputError, match=r"parameters=None: expected a scenario's tables, "
                                         r"e.g. \{'sharing': \{\.\.\.\}\}"):
        SharingParams.from_scenario(None)
    with pytest.raises(TypeError, match=r"analyze: project='x.toml': expected a Project "
                                        r"\(cg.load_project\(scenario\) reads one"):
        cg.analyze("x.toml")
    with pytest.raises(TypeError, match=r"analyze: params=\{'resolution_m': 50\}: expected "
                                        r"CoverageParams"):
        cg.analyze(cg.load_project(), params={"resolution_m": 50})


def test_analyze_checks_the_layers_a_notebook_edited():
    """Found by fuzzing: an emptied hamlet table, a layer set to GeoDataFrame() or to text,
    households reprojected to degrees: errors from deep inside (NaN to integer, "active
    geometry column", "roads must be in a projected CRS"). Each is now named; a layer in
    another CRS is taken in the project's."""
    import warnings

    import geopandas as gpd

    import coverage_gis as cg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project()
    edits = [("hamlets", project.hamlets.iloc[0:0], InputError,
              r"analyze: project.hamlets has no rows: expected at least one hamlet"),
             ("roads", gpd.GeoDataFrame(), TypeError,
              r"analyze: project.roads has no geometry column"),
             ("households", "households.csv", TypeError,
              r"analyze: project.households='households.csv': expected a GeoDataFrame"),
             ("fibre", project.fibre.set_crs(None, allow_override=True), InputError,
              r"analyze: project.fibre has no CRS")]
    for name, value, error, message in edits:
        with pytest.raises(error, match=message):
            cg.analyze(dataclasses.replace(project, **{name: value}), suggest_sites=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = cg.analyze(project, suggest_sites=0).hamlets
        got = cg.analyze(dataclasses.replace(project, households=project.households.to_crs(4326)),
                         suggest_sites=0).hamlets
    pd.testing.assert_series_equal(got["ftth_share"], want["ftth_share"])
    pd.testing.assert_series_equal(got["mobile_broadband_share"], want["mobile_broadband_share"])


def test_the_engines_share_the_checked_parameter_sets():
    from coverage_gis.config import params
    from coverage_gis.engines import coverage, fibre, sharing
    assert coverage.CoverageParams is params.CoverageParams
    assert fibre.FibreParams is params.FibreParams
    assert sharing.SharingParams is params.SharingParams


def test_allowed_words_match_what_the_radio_models_know():
    from coverage_gis.radio import pathloss, terrain
    for environment in settings.ENVIRONMENTS:
        assert pathloss.default_model(1800.0, environment) in pathloss.MODELS
    with pytest.raises(ValueError):
        pathloss.default_model(1800.0, "forest")
    assert set(settings.PATH_LOSS_MODELS) == set(pathloss.MODELS)
    assert tuple(settings.TERRAIN_METHODS) == tuple(terrain._METHODS)
    assert settings.TERRAIN_METHOD in settings.TERRAIN_METHODS
    assert not math.isnan(CoverageParams().hamlet_share)


def test_a_scenario_made_in_a_notebook_takes_paths(monkeypatch):
    """Found by fuzzing: ``Scenario(name=..., layers={"hamlets": "thon.geojson"})`` (what an
    analyst writes) ended in an AttributeError when loaded; the layers are now read as a
    scenario file's are, and an unknown layer or a value that is no path is refused."""
    import coverage_gis as cg
    from coverage_gis.config.scenario import LayerSource, Scenario

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    sc = Scenario(name="x", layers={"hamlets": "data/boundaries/hamlets.geojson",
                                    "dem": ["data/dem/dem.tif"]})
    assert sc.layers["hamlets"] == [LayerSource(path=root / "data/boundaries/hamlets.geojson")]
    assert len(cg.load_project(sc).hamlets) == 6
    with pytest.raises(InputError, match=r"Scenario: unknown layer 'hamlet' \(did you mean "
                                         r"'hamlets'\?\)"):
        Scenario(name="x", layers={"hamlet": "a.geojson"})
    with pytest.raises(InputError, match=r"layer 'hamlets' must be a path or a table"):
        Scenario(name="x", layers={"hamlets": 3})


def test_sites_edited_after_loading_are_checked_by_analyze():
    """Found by fuzzing (an analyst in Jupyter): sites edited after loading were analysed
    as they were: 'PLANNED' (the loader writes 'planned') counted as on air, a NaN EIRP
    covered nothing, a 3,600 m mast covered everything, 'LTE' gave a KeyError. analyze
    now checks them as the loader leaves them."""
    import copy

    import numpy as np

    import coverage_gis as cg

    def with_sites(sites):
        edited = copy.copy(project)
        edited.sites = sites
        return edited

    project = cg.load_project()
    sites = project.sites.copy()
    sites.loc[sites.index[:2], "status"] = "PLANNED"
    sites.loc[sites.index[0], "eirp_dbm"] = np.nan
    sites["height_m"] = sites["height_m"] * 100
    first = str(sites["site_id"].iloc[0])
    with pytest.raises(InputError) as info:
        cg.analyze(with_sites(sites))
    said = "\n".join(info.value.problems)
    assert f"column 'status' ({first}: 'PLANNED'" in said
    assert "expected existing or planned" in said
    assert f"column 'eirp_dbm' ({first}: nan): expected a number from 0 to 90" in said
    assert "column 'height_m' (" in said and "and 81 more): expected a number from 1 to 300" \
        in said
    with pytest.raises(InputError, match=r"column 'technology' \(.*'LTE'.*\): expected one of "
                                         r"2G, 3G, 4G, 5G"):
        cg.analyze(with_sites(project.sites.assign(technology="LTE")))


# --------------------------------------------------------------------------------------------
# check-site options found by fuzzing the web app (fuzz4): the same checks on the command line
# --------------------------------------------------------------------------------------------

XY = ["--x", "588150", "--y", "2219700"]
MOON = "IAU_2015:30100"
LOCAL = 'LOCAL_CS["x"]'
TOY_SPHEROID = ('GEOGCS["x",DATUM["y",SPHEROID["z",1,0]],PRIMEM["G",0],'
                'UNIT["degree",0.0174532925199433]]')

FUZZ4_CASES = [
    # 0 and 360 are one direction: two co-directional cells summed twice
    ([*CHECK_SITE, *WHERE, "--azimuth-deg", "0", "360"], "--azimuth-deg='360'",
     "points the same way as '0'"),
    ([*CHECK_SITE, *WHERE, "--azimuth-deg", "10", "120", "10"], "--azimuth-deg='10' is given twice",
     "give each sector once"),
    ([*CHECK_SITE, *WHERE, "--azimuth-deg", "359.8", "0.1"], "--azimuth-deg='0.1'",
     "points the same way as '359.8'"),
    ([*CHECK_SITE, *WHERE, "--azimuth-deg", *(str(10 * k) for k in range(13))],
     "--azimuth-deg: 13 azimuths given", "expected at most 12"),
    # control characters would be echoed into check.json, check.html and check.kml
    ([*CHECK_SITE, *WHERE, "--request-id", "HS\x01-2025"], "--request-id='HS\\x01-2025'",
     "control character U+0001"),
    ([*CHECK_SITE, *WHERE, "--applicant", "Viettel\nThanh Hóa"], "--applicant=",
     "control character U+000A"),
    # a CRS pyproj reads but that holds no horizontal position on the Earth (exit 3 with
    # a ProjError, or a wrong check)
    ([*CHECK_SITE, *XY, "--crs", LOCAL], f"crs: CRS {LOCAL!r}",
     "is a local engineering CRS"),
    ([*CHECK_SITE, *XY, "--crs", MOON], f"crs: CRS {MOON!r}", "is not an Earth CRS"),
    ([*CHECK_SITE, *XY, "--crs", TOY_SPHEROID], "crs: CRS", "is not an Earth CRS"),
    ([*CHECK_SITE, "--x", "20.0668", "--y", "105.8639", "--crs", "EPSG:5714"],
     "crs: CRS 'EPSG:5714'", "is a vertical CRS (heights only), not a horizontal (2-D) CRS"),
    ([*CHECK_SITE, *XY, "--crs", "EPSG:4978"], "crs: CRS 'EPSG:4978'",
     "is a geocentric CRS"),
    # metres under a CRS in degrees: "lies inf km from the hamlets"
    ([*CHECK_SITE, *XY, "--crs", "EPSG:4326"], "out of range for EPSG:4326 (WGS 84), a CRS in "
     "degrees", f"--crs {settings.CHECK_SITE_CADASTRAL_CRS}"),
    # degrees under a projected CRS
    ([*CHECK_SITE, "--x", "105.8621", "--y", "20.0651", "--crs", "vn2000-thanhhoa"],
     "x and y look like degrees", "give them as lon and lat"),
]


@pytest.mark.parametrize("argv,names,expected", FUZZ4_CASES,
                         ids=[" ".join(c[0][-4:])[:60] for c in FUZZ4_CASES])
def test_bad_check_site_option_found_by_fuzzing(inputs, capsys, argv, names, expected):
    toml = scenario(inputs)
    out = inputs.parent / "out"
    err = run_failing([argv[0], str(toml), *argv[1:], "--out", str(out)], inputs, capsys)
    assert err.startswith("error: ")
    assert names in err and expected in err
    assert "inf km" not in err and "ProjError" not in err
    assert not out.exists()


def test_every_check_site_problem_is_listed_at_once_with_the_text_ones(inputs, capsys):
    toml = scenario(inputs)
    err = run_failing([*CHECK_SITE, str(toml), "--lon", "abc", "--lat", str(LAT),
                       "--azimuth-deg", "0", "0", "--request-id", "a\tb",
                       "--out", str(inputs.parent / "out")], inputs, capsys)
    assert "3 problems in the input" in err
    for flag in ("--lon=", "--azimuth-deg='0' is given twice", "--request-id='a\\tb'"):
        assert flag in err


def test_sectors_within_the_bounds_are_taken():
    """Twelve sectors (settings.CHECK_SITE_MAX_SECTORS), 0.5° apart or more, empty text."""
    from types import SimpleNamespace

    from coverage_gis.config.params import CHECK_SITE_OPTIONS, check_site_options

    args = SimpleNamespace(**{**dict.fromkeys(CHECK_SITE_OPTIONS), "lon": str(LON),
                              "lat": str(LAT), "azimuth_deg": [str(30 * k) for k in range(12)],
                              "request_id": "", "applicant": "Chi nhánh Viettel Thanh Hóa"})
    assert len(check_site_options(args)["azimuth_deg"]) == settings.CHECK_SITE_MAX_SECTORS
    args.azimuth_deg = ["0", "0.5", "359.5"]
    assert check_site_options(args)["azimuth_deg"] == [0.0, 0.5, 359.5]
