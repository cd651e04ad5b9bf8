"""Tower labels on printed maps (the report's and the check page's SVG): where a tower's
label finds no room it is written as a number keyed under the map, and what finds no room
even for a number is counted there (paper has no tooltips; a review of the printed report
found towers on dense maps left unnamed)."""

from __future__ import annotations

import re
import warnings
from html import unescape

import pandas as pd
import shapely

import coverage_gis as cg
from coverage_gis.outputs.report import _Key, _Label, _place_labels, svg_map

from .conftest import SAMPLE

_AROUND = ((9, 4, "start"), (-9, 4, "end"), (0, -10, "middle"), (0, 16, "middle"))


def _texts(svg: list[str]) -> list[str]:
    """The shown text of each <text> (its title left out)."""
    return [unescape(re.sub(r"<title>.*?</title>", "", t.split(">", 1)[1]).rsplit("<", 1)[0])
            for t in svg]


def test_a_label_without_room_becomes_the_next_number():
    # three towers at one spot: the first label takes the right, the second the left, the
    # third's whole text fits nowhere (above and below are taken too), its number does
    taken = [(300 - 60, 300 - 30, 300 + 60, 300 - 9), (300 - 60, 300 + 8, 300 + 60, 300 + 40)]
    labels = [_Label(300, 300, f"T0{i} (Viettel)", 10, _AROUND, numbered=True)
              for i in range(1, 4)]
    key = _Key()
    svg = _place_labels(labels, list(taken), 600, key)
    assert _texts(svg) == ["T01 (Viettel)", "T02 (Viettel)", "1"]
    assert key.numbered == ["T03 (Viettel)"] and key.left_out == []
    # without a key (no legend under the map) a label without room is left out, as before
    assert _texts(_place_labels(labels, list(taken), 600)) == _texts(svg)[:2]


def test_numbers_are_keyed_in_order_and_never_overlap():
    # 30 towers 4 px apart on a line: most names cannot fit, numbers are tried next
    labels = [_Label(100 + 4 * i, 300, f"TOWER-{i:02d} (VinaPhone)", 10, _AROUND,
                     numbered=True) for i in range(30)]
    key = _Key()
    svg = _place_labels(labels, [], 600, key)
    shown = _texts(svg)
    names = [s for s in shown if not s.isdigit()]
    numbers = [int(s) for s in shown if s.isdigit()]
    assert key.numbered and numbers == list(range(1, len(key.numbered) + 1))
    # every tower is named, numbered or counted as left out, once
    assert len(names) + len(key.numbered) + len(key.left_out) == 30
    assert sorted(names + key.numbered + key.left_out) == sorted(lab.text for lab in labels)
    # each number's title is the tower's whole label
    for t in svg:
        if _texts([t])[0].isdigit():
            n = int(_texts([t])[0])
            assert f"<title>{key.numbered[n - 1]}</title>" in t


def _dense_project():
    """The sample with 24 more towers 120 m apart around BSN-T01 (a dense town's spacing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = cg.load_project(SAMPLE)
    first = p.sites.iloc[[0]]
    x0, y0 = first.geometry.iloc[0].x, first.geometry.iloc[0].y
    rows = []
    for i in range(24):
        r = first.copy()
        r["site_id"], r["tower_id"] = f"X-{i:02d}", f"DENSE-{i:02d}"
        r["geometry"] = [shapely.Point(x0 + 120 * (i % 6 - 2.5), y0 + 120 * (i // 6 + 1))]
        rows.append(r)
    p.sites = pd.concat([p.sites, *rows], ignore_index=True)
    return p, shapely.Point(x0, y0)


def test_a_dense_printed_map_names_every_tower_it_draws():
    p, centre = _dense_project()
    for lang, word in (("vi", "Trạm ghi bằng số"), ("en", "Towers numbered on the map")):
        html = svg_map(p, centre, half_size_m=1000.0, width_px=420, legend_lang=lang)
        drawn = re.findall(r"<polygon [^>]*><title>([^<]*)</title>", html)
        assert len(drawn) >= 25
        key = re.search(r'<p class="legend small">([^<]*)<b>1</b>(.*?)</p>', html)
        assert key is not None and word in key.group(1), html[-2000:]
        keyed = [unescape(t).strip(" .;") for t in re.split(r"<b>\d+</b>", "<b>1</b>"
                                                               + key.group(2))[1:]]
        named = [unescape(t) for t in
                 re.findall(r'<text [^>]*font-size="10"[^>]*>([^<]+)</text>', html)]
        left = re.search(r"(\d+) (?:trạm|tower)", html.rsplit("<p", 1)[1])
        left_out = int(left.group(1)) if left and "towers.csv" in html.rsplit("<p", 1)[1] \
            else 0
        assert len(keyed) >= 5 and left_out == 0
        # each tower drawn is named on the map, keyed by number, or counted as left out
        assert set(keyed) | set(named) <= {unescape(d) for d in drawn}
        assert len(set(keyed) | {n for n in named if n in map(unescape, drawn)}) + left_out \
            == len(drawn)
