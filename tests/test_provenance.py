"""Every output says where each layer comes from (issue 12 part 5): the user, a public
source, defaults or the illustrative sample."""

from __future__ import annotations

import json

import pytest

from coverage_gis.cli.main import main
from coverage_gis.config.scenario import read_scenario
from coverage_gis.errors import InputError
from coverage_gis.io.project import load_project

from .conftest import ROOT, SAMPLE

OSM = ROOT / "tests" / "fixtures" / "real" / "synthetic_negative_cases.osm"


def test_the_sample_says_every_layer_is_the_illustrative_sample(tmp_path):
    out = tmp_path / "out"
    assert main(["-q", "analyze", "--out", str(out)]) == 0
    prov = json.loads((out / "summary.json").read_text(encoding="utf-8"))["provenance"]
    layers = load_project(SAMPLE).sources
    assert {p["layer"] for p in prov} == set(layers)
    assert {p["kind"] for p in prov} == {"sample"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Nguồn dữ liệu" in page and "mẫu minh họa" in page


def test_an_init_folder_says_public_default_and_user(tmp_path):
    folder = tmp_path / "qt"
    assert main(["-q", "init", "--unit", "14818", "--osm", str(OSM), "--out",
                 str(folder)]) == 0
    prov = load_project(folder / "scenario.toml").provenance().set_index("layer")
    assert prov.loc["commune", "kind"] == "public" and prov.loc["commune", "licence"] == "MIT"
    assert prov.loc["roads", "kind"] == "public" and "ODbL" in prov.loc["roads", "licence"]
    assert prov.loc["dem", "kind"] == "default" and "flat" in prov.loc["dem", "source"]
    assert prov.loc["hamlets", "kind"] == "default"
    # a layer the user adds without saying where it is from is the user's
    (folder / "hamlets.geojson").write_text(
        (SAMPLE.parent / "boundaries" / "hamlets.geojson").read_text(encoding="utf-8"),
        encoding="utf-8")
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace("[layers]\n", '[layers]\nhamlets = "hamlets.geojson"\n', 1)
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    prov = load_project(folder / "scenario.toml").provenance().set_index("layer")
    assert prov.loc["hamlets", "kind"] == "user"


@pytest.mark.parametrize("table, expected", [
    ('hamlet = "user"', "unknown layer 'hamlet' (did you mean 'hamlets'?)"),
    ('roads = "borrowed"', "expected one of user, public, default, sample"),
    ('roads = { kind = "public", url = "x" }', "a table with kind, source, licence"),
])
def test_bad_provenance_entries_are_refused(tmp_path, table, expected):
    text = SAMPLE.read_text(encoding="utf-8").replace(
        '[provenance]\n', f'[provenance]\n{table}\n')
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_scenario(path)
    assert expected in str(err.value) and "s.toml [provenance]" in str(err.value)
