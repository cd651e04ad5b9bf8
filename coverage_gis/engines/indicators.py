"""The plan's map-measured indicators as typed values: counts, targets and rule parameters,
never sentences (:mod:`coverage_gis.outputs.indicators` words them, in English for
``summary.json`` and in Vietnamese or English on the pages).

- M4 and F2 (:class:`HamletIndicator`): hamlets that meet a per-hamlet rule / all hamlets.
- M5 (:class:`SharingIndicator`): shared BTS positions, by :class:`SharingRatio`.
- F1 (:class:`HouseholdFibreIndicator`): FTTH subscriptions / households from the statistics,
  beside the map's homes-passed share.

Targets are the plan's (``settings.PLAN_TARGETS``, read through
:func:`coverage_gis.engines.targets.plan_target`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from coverage_gis.config import settings
from coverage_gis.engines.rounding import reaches

__all__ = ["UnitIndicators", "SharingRatio", "HamletIndicator", "SharingIndicator",
           "HouseholdFibreIndicator",
           "Indicators", "SHARING_METHODS", "SHARING_SCOPES", "F1_NOTES", "F1_FLAGS",
           "UNIT_BASES"]

#: M5's two definitions: towers used by 2+ operators / all towers, or operator installations
#: on shared towers / all installations (scenario ``[sharing] ratio``).
SHARING_METHODS: tuple[str, ...] = settings.SHARING_RATIOS

#: Which towers M5 counts: those on the unit's territory, or (before issue 11) all of them.
SHARING_SCOPES = ("inside_unit", "all_towers")

#: Why F1 has no value: no statistics table, no row for the year, counts missing, or (one
#: unit of a province study) the statistics are the province's, not the unit's; or, with
#: a value, that it comes from all FTTH subscriptions (agencies and enterprises included)
#: because the statistics give no ``household_ftth_subscriptions``.
F1_NOTES = ("no_statistics_table", "no_statistics_for_year", "missing_counts",
            "total_subscriptions_only", "statistics_not_per_unit")

#: Data-quality flags of F1, where the statistics contradict the map: more subscriptions than
#: homes passed on the map, or than ports used in the map's drop boxes.
F1_FLAGS = ("subscriptions_above_homes_passed", "subscriptions_above_ports_used")


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class SharingRatio:
    """M5 by one method: ``shared`` out of ``total`` (towers, or installations)."""

    method: str
    shared: int
    total: int

    @property
    def value(self) -> float | None:
        """The ratio, or None when there is nothing to count."""
        return _share(self.shared, self.total)


@dataclass(frozen=True)
class HamletIndicator:
    """M4 or F2: hamlets that meet their rule / all hamlets.

    ``rule`` is a code (``"mobile_broadband_share"`` for M4, ``"ftth"`` for F2) and
    ``rule_params`` its parameters (shares as fractions, thresholds in dBm, codes).
    """

    id: str
    covered_hamlets: int
    hamlets: int
    short_hamlets: tuple[str, ...]
    target: float
    rule: str
    rule_params: Mapping[str, Any] = field(default_factory=dict)
    source: str = "map"
    #: hamlets with no household in the data, whose share cannot be computed: counted in
    #: neither ``covered_hamlets`` nor ``hamlets`` (found by a review: they were counted
    #: short, and a province whose households cover four units read M4 1 %)
    unmeasured_hamlets: tuple[str, ...] = ()

    @property
    def value(self) -> float | None:
        """Covered among the hamlets measured; None with none measured."""
        return _share(self.covered_hamlets, self.hamlets)

    @property
    def met(self) -> bool | None:
        """The target reached whatever the unmeasured hamlets are (True), missed whatever
        they are (False), or not known (None; also with no hamlet at all)."""
        unknown = len(self.unmeasured_hamlets)
        total = self.hamlets + unknown
        if not total:
            return None
        if reaches(self.covered_hamlets / total, self.target):
            return True
        if not reaches((self.covered_hamlets + unknown) / total, self.target):
            return False
        return None


def measured_hamlets(table: Any, indicator_id: str) -> Any:
    """Per row of a hamlet table, whether ``indicator_id`` (M4 or F2) could be measured
    there: M4 with a share of households (or of the area), F2 with a rule other than
    ``no_households``; a boolean Series."""
    import pandas as pd

    if indicator_id == "M4" and "mobile_broadband_share" in table:
        return table["mobile_broadband_share"].notna()
    if indicator_id == "F2" and "ftth_rule" in table:
        return table["ftth_rule"].astype(str) != "no_households"
    return pd.Series(True, index=table.index)


def counted_over(indicator: HamletIndicator, table: Any, column: str) -> HamletIndicator:
    """``indicator`` counted over the hamlets of ``table`` (``hamlet_id``; ``column`` says
    which meet their rule): the measured ones, and the others as unmeasured."""
    measured = measured_hamlets(table, indicator.id).to_numpy(bool)
    covered = table[column].astype(bool).to_numpy() & measured
    ids = table["hamlet_id"].astype(str).to_numpy(object)
    return replace(indicator, covered_hamlets=int(covered.sum()),
                   hamlets=int(measured.sum()),
                   short_hamlets=tuple(ids[measured & ~covered].tolist()),
                   unmeasured_hamlets=tuple(ids[~measured].tolist()) if len(ids) else ())


#: Where M5's unit outline comes from (``SharingIndicator.unit_basis``): the scenario's commune
#: layer (``commune``, or ``commune_layer`` as a unit of the study says it), the union of the
#: hamlets, a 2025 unit's bundled boundary (``unit``, ``bundled_boundary``), or every unit of
#: a province (``province``), each with the one of ``commune``, ``hamlets``, ``unit`` or
#: ``province`` its words are under.
UNIT_BASES: dict[str, str] = {"commune": "commune", "commune_layer": "commune",
                              "hamlets": "hamlets", "unit": "unit",
                              "bundled_boundary": "unit", "province": "province"}


@dataclass(frozen=True)
class SharingIndicator:
    """M5: shared BTS positions among the existing towers, with the planned ones, and if every
    sharing candidate were realised.

    ``scope`` says which towers are counted (one of :data:`SHARING_SCOPES`):
    ``"inside_unit"``, the towers on the unit's territory
    (:func:`coverage_gis.engines.territory.inside_unit`), with ``unit_basis`` saying where
    the unit's outline comes from (one of :data:`UNIT_BASES`: the commune layer, the
    hamlets' union, a unit's 2025 boundary, the province's units) and ``towers_outside_unit``
    the towers (existing or planned) left out; ``"all_towers"``, every tower of the sites layer
    (results stored before issue 11). ``candidates`` counts the listed pairs with an end
    inside the unit (a pair across its boundary concerns it; two neighbours' towers do not;
    with scope ``"all_towers"`` every pair); ``if_candidates_realised`` merges only the pairs
    with both ends inside.
    """

    existing: SharingRatio
    with_planned: SharingRatio
    if_candidates_realised: SharingRatio
    candidates: int
    target: float
    id: str = "M5"
    source: str = "map"
    scope: str = "all_towers"
    unit_basis: str | None = None
    towers_outside_unit: int = 0
    #: existing towers counted whose position is an estimate (OpenCelliD's masts: one per
    #: operator and radio, from phones' reports): one shared mast reads as several unshared
    #: ones, so M5 is not judged against its target (found by a review: 0/9 where the
    #: masts give 1/3)
    towers_approximate: int = 0

    @property
    def value(self) -> float | None:
        return self.existing.value

    @property
    def met(self) -> bool | None:
        """The existing towers' share reaches the target (True) or not (False); None with no
        tower, or when some counted towers are estimated positions (``towers_approximate``:
        not judged)."""
        if self.value is None or self.towers_approximate:
            return None
        return reaches(self.value, self.target)


@dataclass(frozen=True)
class UnitIndicators:
    """The map's indicators for one administrative unit of a study
    (:class:`~coverage_gis.engines.territory.UnitScope`): the plan's old commune, or the 2025
    ward it is now part of. ``hamlet_ids``: the study's hamlets that belong to the unit
    (:func:`~coverage_gis.engines.territory.hamlets_in_unit`); M4, F2 over them; M5 over
    the towers on the unit's territory. None where the study has no such part."""

    role: str
    code: str | None
    name: str
    basis: str
    hamlet_ids: tuple[str, ...]
    m4: HamletIndicator | None
    m5: SharingIndicator | None
    f2: HamletIndicator | None
    #: The share of the unit's area the study's hamlets cover (below 1: the unit has hamlets
    #: the data does not map, e.g. the wards merged into it in 2025).
    hamlet_area_share: float | None = None


@dataclass(frozen=True)
class HouseholdFibreIndicator:
    """F1: household FTTH subscriptions / households of the statistics' year, and the map's
    homes passed (for context: homes passed are not subscriptions). ``note`` is one of
    :data:`F1_NOTES`: why there is no value, or ``total_subscriptions_only`` when the value
    comes from ``ftth_subscriptions`` (all subscribers) for want of
    ``household_ftth_subscriptions``. ``flags`` are codes of :data:`F1_FLAGS`;
    ``ports_used`` the ports used in the map's drop boxes (None when some box does not say);
    ``homes_connectable`` the homes passed by a box with a free port."""

    target: float
    homes_passed: int
    households_on_map: int
    homes_within_reach: int | None = None
    year: int | None = None
    ftth_subscriptions: int | None = None
    households: int | None = None
    note: str | None = None
    id: str = "F1"
    source: str = "statistics"
    household_ftth_subscriptions: int | None = None
    homes_connectable: int | None = None
    ports_used: int | None = None
    flags: tuple[str, ...] = ()

    @property
    def subscriptions(self) -> int | None:
        """The subscriptions F1 counts: household ones when given, else all of them."""
        if self.household_ftth_subscriptions is not None:
            return self.household_ftth_subscriptions
        return self.ftth_subscriptions

    @property
    def value(self) -> float | None:
        subs = self.subscriptions
        if subs is None or not self.households:
            return None
        return subs / self.households

    @property
    def connectable_share(self) -> float | None:
        if self.homes_connectable is None:
            return None
        return _share(self.homes_connectable, self.households_on_map)

    @property
    def homes_passed_share(self) -> float | None:
        return _share(self.homes_passed, self.households_on_map)

    @property
    def within_reach_share(self) -> float | None:
        if self.homes_within_reach is None:
            return None
        return _share(self.homes_within_reach, self.households_on_map)


Indicator = HamletIndicator | SharingIndicator | HouseholdFibreIndicator


@dataclass(frozen=True)
class Indicators(Mapping[str, Any]):
    """The map-measured indicators of an analysis, by id (``indicators["M4"].value``); M4 and
    M5 only when the study has sites, F1 and F2 only when it has fibre."""

    m4: HamletIndicator | None
    m5: SharingIndicator | None
    f2: HamletIndicator | None = None
    f1: HouseholdFibreIndicator | None = None

    def _present(self) -> dict[str, Indicator]:
        found: dict[str, Indicator | None] = {"M4": self.m4, "M5": self.m5, "F2": self.f2,
                                              "F1": self.f1}
        return {k: v for k, v in found.items() if v is not None}

    def __getitem__(self, key: str) -> Indicator:
        return self._present()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._present())

    def __len__(self) -> int:
        return len(self._present())
