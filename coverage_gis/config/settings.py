"""Defaults in one place: technology profiles, operators, value ranges, study-area margins.

Everything here can be overridden per call (keyword arguments) or per scenario (TOML); nothing
else in the package hard-codes these numbers.
"""

from __future__ import annotations

from pathlib import Path

#: Technologies the toolkit models, in order of generation.
TECHNOLOGIES: tuple[str, ...] = ("2G", "3G", "4G", "5G")

#: Names seen in real files for each technology (matched case-insensitively, ignoring spaces,
#: dashes and underscores). OpenCelliD's ``radio`` values are among them.
TECHNOLOGY_ALIASES: dict[str, tuple[str, ...]] = {
    "2G": ("2g", "gsm", "gprs", "edge"),
    "3G": ("3g", "umts", "wcdma", "hspa", "hspa+", "hsdpa"),
    "4G": ("4g", "lte", "ltea", "lteadvanced", "4glte", "eutran", "4g+", "lte+", "ltea+",
           "lteaplus"),
    "5G": ("5g", "nr", "5gnr", "nrsa", "nrnsa", "5gnsa", "5gsa"),
}

#: Per-technology defaults for radio columns a sites file leaves out or leaves empty. Typical
#: Vietnamese values (see FIELD_NOTES): 4G mostly band 3 (1800 MHz), 20 MHz carriers, 58-63 dBm
#: EIRP per sector; 5G on 3.7 GHz (n77/n78) with 100 MHz. ``eirp_dbm`` is the total EIRP of the
#: sector's carrier, boresight, including antenna gain. Heights are antenna heights above ground.
TECHNOLOGY_DEFAULTS: dict[str, dict[str, float]] = {
    "2G": {"band_mhz": 900.0, "bandwidth_mhz": 0.2, "height_m": 30.0, "beamwidth_deg": 65.0,
           "tilt_deg": 4.0, "eirp_dbm": 57.0},
    "3G": {"band_mhz": 2100.0, "bandwidth_mhz": 5.0, "height_m": 30.0, "beamwidth_deg": 65.0,
           "tilt_deg": 4.0, "eirp_dbm": 58.0},
    "4G": {"band_mhz": 1800.0, "bandwidth_mhz": 20.0, "height_m": 30.0, "beamwidth_deg": 65.0,
           "tilt_deg": 4.0, "eirp_dbm": 60.0},
    "5G": {"band_mhz": 3700.0, "bandwidth_mhz": 100.0, "height_m": 30.0, "beamwidth_deg": 65.0,
           "tilt_deg": 6.0, "eirp_dbm": 70.0},
}

#: The carrier frequencies (MHz) each technology's operating bands span, from its standard's
#: band tables: a proposed cell (check-site, ``/api/check``, ``ProposedSite``) on a band its
#: technology has none in is refused (found by a review: ``--technology 4G --band-mhz 28000``
#: and ``2G`` at 3700 MHz were checked). Envelopes of every band, uplink and downlink: GSM
#: (T-GSM 380 to PCS 1900) 3GPP TS 45.005 §2; UTRA (bands XX to XXII) TS 25.101 Table 5.0;
#: E-UTRA (bands 87 to 46) TS 36.101 Table 5.5-1; NR FR1 and FR2 TS 38.101-1 Table 5.2-1 and
#: TS 38.101-2 Table 5.2-1 (FR2-2 to 71 GHz).
TECHNOLOGY_BANDS_MHZ: dict[str, tuple[tuple[float, float], ...]] = {
    "2G": ((380.0, 1990.0),),
    "3G": ((791.0, 3590.0),),
    "4G": ((410.0, 5925.0),),
    "5G": ((410.0, 7125.0), (24250.0, 71000.0)),
}
#: The smallest channel bandwidth (MHz) of a technology with resource blocks: a proposed
#: carrier narrower than this is refused (``config.params.carrier_problems``).
SMALLEST_CHANNEL_MHZ: dict[str, float] = {"4G": 1.4, "5G": 5.0}
SMALLEST_CHANNEL_SOURCE: dict[str, str] = {"4G": "3GPP TS 36.104 Table 5.6-1",
                                           "5G": "3GPP TS 38.104 Table 5.3.2-1"}
TECHNOLOGY_BANDS_SOURCE: dict[str, str] = {
    "2G": "3GPP TS 45.005 §2", "3G": "3GPP TS 25.101 Table 5.0",
    "4G": "3GPP TS 36.101 Table 5.5-1",
    "5G": "3GPP TS 38.101-1 and TS 38.101-2, Table 5.2-1",
}

#: ``coverage-gis site-map``: how far it computes by default (the radius of SPLAT!'s ``-R 10``,
#: km) and at most, m (a local choice: beyond 100 km no model of the engine applies).
SITE_MAP_RADIUS_M = 10_000.0
SITE_MAP_MAX_RADIUS_M = 100_000.0
#: Its rasters get overviews only when larger than this many pixels a side (a local choice:
#: a viewer draws a smaller raster whole at any zoom).
SITE_MAP_OVERVIEWS_ABOVE_PX = 1024

#: Canonical mobile operators and the spellings met in real files (case-insensitive, ignoring
#: spaces, dashes, dots and underscores).
OPERATOR_ALIASES: dict[str, tuple[str, ...]] = {
    "Viettel": ("viettel", "vtl", "viettelmobile", "vietteltelecom", "viettelgroup"),
    "VinaPhone": ("vinaphone", "vnpt", "vnptvinaphone", "vnp", "gpc", "vinafone"),
    "MobiFone": ("mobifone", "mobiphone", "mbf", "vms", "vmsmobifone"),
    "Vietnamobile": ("vietnamobile", "vnmobile", "vnm", "htmobile"),
    "Gmobile": ("gmobile", "gtel", "gtelmobile", "beeline"),
    "Itelecom": ("itelecom", "itel", "indochinatelecom"),
    "Reddi": ("reddi", "mobicast"),
}

#: Fixed-broadband (FTTH) operators for fibre routes and access points. VNPT runs the fixed
#: network of the group that runs VinaPhone, so "VinaPhone" on a fibre file means VNPT.
FIBRE_OPERATOR_ALIASES: dict[str, tuple[str, ...]] = {
    "Viettel": OPERATOR_ALIASES["Viettel"],
    "VNPT": ("vnpt", "vinaphone", "vnptvinaphone", "vnptnet", "vnpttelecom"),
    "MobiFone": OPERATOR_ALIASES["MobiFone"],
    "FPT Telecom": ("fpt", "fpttelecom", "fptt"),
    "CMC Telecom": ("cmc", "cmctelecom", "cmcti"),
    "SCTV": ("sctv",),
}

#: OpenCelliD MCC-MNC for Vietnam (MCC 452) to operator.
OPENCELLID_NETWORKS: dict[tuple[int, int], str] = {
    (452, 1): "MobiFone",
    (452, 2): "VinaPhone",
    (452, 4): "Viettel",
    (452, 5): "Vietnamobile",
    (452, 7): "Gmobile",
}

#: Site status values and their spellings.
STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    "existing": ("existing", "exist", "active", "onair", "operational", "live", "hienco",
                 "hiệncó", "dangkhaithac", "đangkhaithác"),
    "planned": ("planned", "plan", "proposed", "new", "quyhoach", "quyhoạch", "dukien", "dựkiến"),
}

#: Accepted ranges (inclusive) of numeric columns: values outside are errors. An antenna's
#: height above ground is at least 1 m (a local bound: 0 m is a blank written as zero, and the
#: path-loss models take the logarithm of the height).
VALUE_RANGES: dict[str, tuple[float, float]] = {
    "height_m": (1.0, 300.0),
    "azimuth_deg": (0.0, 360.0),
    "beamwidth_deg": (1.0, 360.0),
    "tilt_deg": (-20.0, 30.0),
    "band_mhz": (400.0, 100_000.0),
    "bandwidth_mhz": (0.1, 400.0),
    "eirp_dbm": (0.0, 90.0),
    "households": (0.0, 1e6),
    "population": (0.0, 1e7),
    "ports_total": (0.0, 1024.0),
    "ports_used": (0.0, 1024.0),
}

#: Features farther than this from the hamlets (m) are outside the study area: they are
#: excluded with a warning. Large enough to keep cells outside the commune that still serve it.
STUDY_AREA_MARGIN_M: float = 15_000.0

#: A mast standing on a DEM void (nodata) or next to one stands on the median height of the
#: DEM's valid pixels within this distance (m); with none there, on 0 m (flat ground, as
#: without a DEM). A local choice: SRTM's voids (steep slopes, water) are mostly under a few
#: hundred metres across, and 0 m for a mast on a 1000 m plateau is a 20 dB error.
SITE_GROUND_SEARCH_M: float = 500.0

#: Plausible ground heights (m) in a DEM; values outside are treated as errors or nodata.
DEM_HEIGHT_RANGE_M: tuple[float, float] = (-500.0, 9000.0)

#: The bundled sample scenario (Quang Trung commune), the default for every command:
#: ``coverage_gis/sample`` links to the repository's ``data/``, and a wheel holds a copy (found
#: by a review: installed from a wheel, there was no sample).
DEFAULT_SCENARIO = (Path(__file__).resolve().parents[1] / "sample" / "quang_trung.toml"
                    ).resolve()
#: The scenario file's name in a scenario folder (what ``coverage-gis init`` writes); a folder
#: given where a scenario is expected is read as this file inside it.
SCENARIO_FILE_NAME = "scenario.toml"

# --------------------------------------------------------------------------------------------
# Mobile coverage (issue 3)
# --------------------------------------------------------------------------------------------

#: Received-level thresholds (dBm) for "covered" outdoors, per technology: 4G RSRP and 5G
#: SS-RSRP per resource element, 3G CPICH RSCP, 2G BCCH level. -110 dBm RSRP is the usual
#: planning edge for 4G outdoor service in Vietnam (FIELD_NOTES); the others are typical
#: planning values of the same order of service.
COVERAGE_THRESHOLDS_DBM: dict[str, float] = {"2G": -100.0, "3G": -100.0, "4G": -110.0,
                                             "5G": -110.0}

#: Technologies that count as mobile broadband for target M4.
MOBILE_BROADBAND: tuple[str, ...] = ("4G", "5G")

#: A hamlet counts as covered by mobile broadband when at least this share of its households
#: (or of its area, without households) gets a 4G or 5G signal at or above its threshold.
MOBILE_BROADBAND_HAMLET_SHARE: float = 0.95

#: User terminal height above ground (m), body loss (dB) of a handset held at the head, and a
#: flat building penetration loss (dB) for the indoor view (typical planning values,
#: 1800 MHz). The coverage engine's indoor view uses ITU-R P.2109 instead (``BUILDING_TYPE``
#: below) unless ``[coverage] indoor_loss_db`` is given; INDOOR_LOSS_DB is the link-budget
#: functions' default when called directly (``radio.linkbudget.DEFAULTS``).
UE_HEIGHT_M: float = 1.5
BODY_LOSS_DB: float = 3.0
INDOOR_LOSS_DB: float = 15.0

#: Land use for the default path-loss model: Quang Trung is paddy land with village clusters,
#: tree lines and bamboo hedges, so "suburban" (Extended Hata suburban) rather than the
#: optimistic open-area correction of "rural".
ENVIRONMENT: str = "suburban"
#: The land-use classes the path-loss models know (``radio.pathloss.default_model``).
ENVIRONMENTS: tuple[str, ...] = ("rural", "suburban", "urban")
#: Path-loss model names a scenario may force (``radio.pathloss.MODELS``); "rma" and "uma"
#: are TR 38.901 with the LOS or NLOS formula per pixel from the terrain's line of sight.
PATH_LOSS_MODELS: tuple[str, ...] = ("free_space", "hata_urban", "hata_suburban", "hata_open",
                                     "cost231_urban", "cost231_suburban", "cost231_open",
                                     "rma_los", "rma_nlos", "uma_los", "uma_nlos",
                                     "extended_hata_urban", "extended_hata_suburban",
                                     "extended_hata_open", "rma", "uma")
#: Default path-loss family (``radio.pathloss.default_model``): the Extended Hata model of
#: Report ITU-R SM.2028-2 section 6.1 / SEAMCAT (30-3000 MHz, bands joined continuously) for
#: every band and environment, so that neither a band edge nor a mast height makes a step.
#: Two local choices complete it, both in ``radio.pathloss.extended_hata``:
#: - the published 150-1500 MHz (Hata) and 1500-2000 MHz (COST-231) formulas differ by
#:   1.16 dB at 1500 MHz; they are crossfaded, linearly in log10(f), over this band (MHz),
#:   and used exactly as published outside it (no Vietnamese mobile band lies in it);
EXTENDED_HATA_SEAM_MHZ: tuple[float, float] = (1400.0, 1600.0)
#: - above 3000 MHz (5G n77/n78, 3.3-3.8 GHz), where the model is not defined, the 3000 MHz
#:   value is scaled by this many dB per decade of frequency: 20, the frequency term of free
#:   space (ITU-R P.525) and of the TR 38.901 UMa/RMa NLOS formulas (20 log10 f_c). The
#:   model's own 2-3 GHz term is 10 dB per decade: at 3.8 GHz the two differ by 1.0 dB, the
#:   size of this assumption at the top of the band.
EXTENDED_HATA_ABOVE_3GHZ_DB_PER_DECADE: float = 20.0
#: Terrain diffraction (the methods ``radio.terrain`` knows): "delta_bullington", the
#: Bullington construction of ITU-R P.1812-6/-7 sect. 4.3.1 (P.452-17/-18 sect. 4.2.1) on the
#: actual profile minus the same on smooth earth, the "delta-Bullington" of P.1812 sect. 4.3.4
#: whose spherical-earth term cancels in that difference (``radio.terrain``); "single"
#: (the dominant P.526 knife edge alone, the optimistic end) or "deygout" (up to three edges).
TERRAIN_METHOD: str = "delta_bullington"
TERRAIN_METHODS: tuple[str, ...] = ("delta_bullington", "single", "deygout")
#: Effective height of the mast for the Hata-family models, per pixel (ITU-R P.1546-6 Annex 5
#: sect. 3.1.2 and 3.2: the antenna's height above the average terrain between 0.2 d and d
#: from it, 3-15 km beyond 15 km; Okumura's effective base-station height), never below the
#: mast's height above its ground (a local choice: valleys are counted by the diffraction)
#: and at most this (m): 200 m, the top of Hata's validity range (Hata 1980; Report ITU-R
#: SM.2028-2 sect. 6.1). ``[coverage] effective_height = false`` uses the height above ground.
EFFECTIVE_HEIGHT: bool = True
EFFECTIVE_HEIGHT_MAX_M: float = 200.0

#: Coverage raster resolution (m): 30 m matches the terrain data commonly available (SRTM/ALOS
#: 30 m) and resolves village lanes; finer grids add computing time, not information.
RESOLUTION_M: float = 30.0

#: Margin (m) of the coverage rasters around the hamlets.
RASTER_MARGIN_M: float = 1000.0

#: A library's error while writing results (GDAL's name no error number) with less than this
#: left on the output folder's device (bytes) is reported as a full disk.
OUTPUT_MIN_FREE_BYTES: int = 1 << 20

#: Two hamlets covering more than this share of the smaller one's ground are warned about (a
#: copy, or one drawn twice). A local setting: hand-drawn neighbours share slivers, not half.
HAMLET_OVERLAP_WARN_SHARE: float = 0.5

#: A hamlet with more households marked ``is_cultural_house`` than this is warned about: a
#: hamlet has one cultural house (nhà văn hóa thôn), at most a few, and under the
#: cultural-house rule of F2 any one of them reached counts the whole hamlet (a column read
#: wrongly, every row marked, would make F2 count every hamlet with one home passed). A local
#: setting, not a rule.
CULTURAL_HOUSES_WARN: int = 3

#: A hamlet more than this share of whose households (by their ``hamlet_id``) stand inside
#: another hamlet's polygon is warned about when a scenario is loaded (a local setting: a few
#: homes on a boundary drawn roughly are usual; swapped ids or polygons put most elsewhere,
#: and the per-hamlet shares then follow the ids without a word).
HAMLET_ID_MISMATCH_WARN_SHARE: float = 0.2
#: A line or polygon feature that meets the study area but has a vertex this far (km) beyond
#: its bounding box is warned about (a stray vertex; a trunk route of a commune study rarely
#: runs 100 km on). A convention of this tool.
FAR_VERTEX_WARN_KM: float = 100.0
#: A hamlet whose bounding box is wider than this (km) is warned about (a stray vertex or
#: part; Vietnamese hamlets span a few km, the largest mountain communes some 30). A
#: convention of this tool.
HAMLET_MAX_EXTENT_KM: float = 50.0
#: Projected coordinates beyond this (m, absolute) are no position on the Earth in any map
#: projection's metres (the equator is 40,075 km round): an error naming the feature.
PROJECTED_MAX_ABS_M: float = 1e8
#: Access points are warned about when more than ``AP_ROUTE_WARN_SHARE`` of them (and at least
#: ``AP_ROUTE_WARN_MIN_BOXES``) lie more than ``AP_ROUTE_WARN_M`` (m) from every fibre route:
#: boxes hang on the cables (a wrong CRS, or routes mapped in part). Conventions of this tool.
AP_ROUTE_WARN_M: float = 100.0
AP_ROUTE_WARN_SHARE: float = 0.5
AP_ROUTE_WARN_MIN_BOXES: int = 5

#: How far (degrees) the data may lie outside the area of use of the CRS a scenario names for
#: computation (``[scenario] crs``) before it is refused: one UTM zone's width. A local
#: setting: the neighbouring zone (UTM 49N for Thanh Hóa, 2° beyond its edge) stretches
#: distances by about 0.3 % there (transverse Mercator scale at 20°N), six degrees beyond
#: an edge by about 1 %.
CRS_AREA_TOLERANCE_DEG: float = 6.0
#: The largest departure from true scale (a fraction) of that CRS at the data: every range,
#: distance and cable length computed in it is off by as much. A local setting: the data's
#: UTM zone is within 0.04 %, the neighbouring zone 0.3 % in Thanh Hóa, Web Mercator 6.5 %.
CRS_MAX_SCALE_ERROR: float = 0.01

#: ``--workers N`` may ask for at most this many local worker processes per processor of the
#: machine (a local setting: more only wait for a processor, each holding its own memory).
LOCAL_WORKERS_PER_CPU: int = 4

#: The largest coverage grid a run accepts (cells): a guard against a unit mistake in
#: ``[coverage] resolution_m`` or ``margin_m`` (a grid of petabytes), not a promise that a
#: grid this large fits in memory. A local setting: the province of Thanh Hóa at 30 m is
#: about 13 M cells, at 10 m about 120 M; the whole of Vietnam at 30 m would be 370 M.
MAX_GRID_CELLS: int = 250_000_000

#: Province scale (local settings: engineering choices, not rules). The coverage grid is
#: computed in square tiles of this many grid cells on a side (1024 x 1024 at 30 m is about
#: 31 km square, a few masts' reach, so a cell's window rarely spans more than two tiles and
#: a tile's arrays stay under ~100 MB in a worker); a grid smaller than one tile is one tile.
TILE_PX: int = 1024
#: Seconds to wait for an existing dask scheduler (``--scheduler``) before giving up.
DASK_CONNECT_TIMEOUT_S: float = 30.0
#: Seconds a local cluster's workers (``--workers``) may take to start (each imports the
#: engines: several seconds on a machine whose disk cache is cold).
LOCAL_CLUSTER_START_TIMEOUT_S: float = 120.0
#: A province's site suggestions on a cluster: the units are dealt into this many batches per
#: worker (round robin), one task each, so that a worker done early takes another batch
#: (local setting, an engineering choice: more batches balance better and cost more tasks).
SUGGESTION_BATCHES_PER_WORKER: int = 4
#: Output files written on a local cluster's workers (the fibre GeoJSON, the GeoPackage, the
#: KMZ, the workbook, the stored result's rasters; :mod:`coverage_gis.outputs.file_jobs`): at
#: most this many per worker sent at a time, so that the workers hold the data of a few
#: files, not of all (local setting, an engineering choice: on the province, 1 kept the
#: outputs' peak at 5.92 GB where 2 reached 6.10, in the same time).
FILE_JOBS_PER_WORKER: int = 1
#: DEFLATE level of the GeoTIFFs written (GDAL's ``LEVEL``/``ZLEVEL``, 1..9; GDAL's default
#: is 6). An engineering choice: on the province's 12.7 M-pixel level raster level 1 took 1.23
#: CPU-seconds against 1.84 at 6, for a file 2.7 % larger (52.7 MB against 51.3); any
#: level is the same DEFLATE every GIS reads.
GEOTIFF_DEFLATE_LEVEL: int = 1
#: Side of the GeoTIFFs' internal tiles, px (GDAL's COG ``BLOCKSIZE``; its default is 512).
#: An engineering choice: a site's 667 x 667 rasters make 9 tiles instead of 4, which
#: compress on both cores in 12.4 ms against 16.0 (float32); the province's 6127 x 5296
#: level raster takes the same time (1.07 s against 1.09) for a file 0.4 % larger.
GEOTIFF_BLOCK_PX: int = 256
#: glibc's memory trimming in local cluster workers (dask's nanny sets ``MALLOC_TRIM_THRESHOLD_
#: = 65536`` in its workers by default). Off: the workers keep glibc's defaults. Setting any
#: ``MALLOC_*`` variable turns off glibc's adaptive mmap threshold, so that every array above
#: 128 kB is a fresh mapping whose pages fault in again at each use; measured on the 2-core
#: machine (a virtual one, where page faults are dear), the province's coverage tiles took
#: 195-211 s on one worker with it (half of it in the kernel: 59 million page faults) against
#: 93 s without (0.9 million), and 125 s against 59 s on two; the workers' peak memory is the
#: same (1.29 GB). A local setting, an engineering choice.
LOCAL_WORKERS_TRIM_MEMORY: bool = False
#: Fibre gap extensions on an existing cluster (``--scheduler``): this process traces fibre,
#: and the short hamlets are grouped by square of this side (m), each square's hamlets designed
#: on a worker, sent the part of the road graph their searches reach (local setting, an
#: engineering choice: larger squares share more of their parts and make fewer, larger tasks).
FIBRE_PART_SIDE_M: float = 8000.0
#: On a local cluster (``--workers``) fibre runs as tasks: reach and the extensions' graph on
#: one worker, then the short hamlets' designs in this many runs per worker, which dask runs
#: where the graph is and moves, with the graph, to a worker that has nothing else to do (the
#: coverage tiles' once its tiles are done). Local setting, an engineering choice: more runs
#: share the last ones out more evenly, each costs a task.
FIBRE_DESIGN_TASKS_PER_WORKER: int = 16
#: Parts as on an existing cluster on a local cluster too, instead of the tasks above. Off: measured
#: on the 2-core machine, the province's extensions took 179 s on two local workers against
#: 164 s in one process (the graph searches are memory-bound, and cutting the parts and sending
#: them costs as much as it saves).
FIBRE_PARTS_ON_LOCAL_CLUSTER: bool = False
#: ... and at most this many squares per worker are on their way at once (each holds its part
#: of the graph in this process's memory until sent).
FIBRE_PARTS_PER_WORKER: int = 2

#: Cells are computed up to this distance (m) at most, whatever their link budget says.
MAX_CELL_RANGE_M: float = 15_000.0

#: Level floor (dBm): each cell is computed out to its reach, the flat-ground boresight
#: distance where its level falls to this floor (capped by ``MAX_CELL_RANGE_M``), not only to
#: its threshold range, so that the level rasters show weak signal too (NaN only beyond every
#: cell's reach, where the level is below the floor); coverage masks still use the
#: thresholds. -120 dBm is a local setting: the lowest class that planning tools and drive-test
#: legends show (RSRP below -120 dBm is "no service"), 10 dB under the 4G outdoor edge. Going
#: down to -140 dBm, the bottom of the RSRP a phone reports (3GPP TS 36.133 Table 9.1.4-1,
#: RSRP_00 "below -140 dBm"), is a scenario setting away (``[coverage] level_floor_dbm``) but
#: computes every cell out to the 15 km cap: 300 cells on 200 km² took 25.6 s against 5.9 s at
#: -120 and 2.8 s at the threshold (benchmarks/bench_coverage.py figures, this machine). A
#: threshold below the floor lowers the floor to the threshold.
LEVEL_FLOOR_DBM: float = -120.0

#: Terrain beyond a cell's threshold range, where its levels are only shown (below the
#: threshold), is sampled along the rays every this many metres instead of every grid cell
#: (``[coverage] far_terrain_step_m``; 0, or a step no coarser than the grid's: the grid's
#: step out to the reach). An engineering choice for speed, as a planning tool's coarser
#: extended matrix: 90 m is the SRTM 3-arc-second spacing. Within the threshold range, where
#: coverage is decided, the step stays the grid's. Its cost in accuracy, measured (a review,
#: 2026-11-28): a grid cell takes the nearest sample, up to 45 m off, so behind a ridge a
#: single cell's level can be 40-50 dB off (the sample: up to 54 dB in an operator's level
#: raster, 39 dB in the 4G best server's); on the best-server level of 20 synthetic units
#: (808 km², 2 M grid cells) against the grid's step: between the floor and the threshold
#: rms 0.35 dB, 0.06 % of cells off by more than 6 dB; below the floor ("no service") rms
#: 1.7 dB, 1.8 %; masks, hamlet tables and indicators identical (the sample: hamlet tables
#: and indicators identical, 11 of 31,416 4G mask cells differ within 2.2 dB of the edge, from
#: the near ring's fewer rays, not the far step; README "Mobile coverage"). Its gain: the province
#: benchmark (11,084 km², two workers) 509 s here against 637 s at the grid's step.
FAR_TERRAIN_STEP_M: float = 90.0

# Coverage probability, indoor loss, clutter (issue 10 part 4 and 5)

#: Location probability a pixel must reach to count as covered: the probability that the
#: level there is at or above the threshold, with log-normal shadow fading around the median
#: level. 0.90 is a local setting the user chooses (the common planning target for outdoor
#: coverage; the median maps of before are 0.5); ``[coverage] location_probability``.
COVERAGE_PROBABILITY_TARGET: float = 0.90
#: Standard deviation (dB) of the log-normal shadow fading, per path-loss model (the scenario
#: may set one value for all, ``[coverage] shadow_sigma_db``):
#: - 3GPP TR 38.901 Table 7.4.1-1 (standard): UMa LOS 4 dB, UMa NLOS 6 dB, RMa NLOS 8 dB;
#:   RMa LOS 4 dB before its breakpoint distance and 6 dB beyond: 6 here (the larger, beyond
#:   about 2 km for a 35 m mast at 1.8 GHz, where coverage is decided);
#: - Hata, COST-231 and Extended Hata, every environment: 8 dB, the σ of TR 38.901 RMa NLOS
#:   (the standard's rural macro cell with the terminal out of line of sight, the situation
#:   of a Vietnamese commune) and the usual planning value for the Hata family (FIELD_NOTES;
#:   calibrations of the sample's drive test leave 7.9 dB RMS after the fit);
#: - free space (a forced model only): 4 dB, TR 38.901's LOS value (local choice);
#: - "rma" and "uma" (LOS or NLOS per pixel from the terrain): their NLOS sigma, the larger
#:   (one sigma per cell; local simplification, cautious where the pixel is in LOS).
SHADOW_FADING_SIGMA_DB: dict[str, float] = {
    "free_space": 4.0, "rma_los": 6.0, "rma_nlos": 8.0, "uma_los": 4.0, "uma_nlos": 6.0,
    "rma": 8.0, "uma": 6.0,
    **{f"{family}_{env}": 8.0 for family in ("hata", "cost231", "extended_hata")
       for env in ("urban", "suburban", "open")}}
#: Building entry loss for the indoor view (``[coverage] indoor = true``): ITU-R P.2109-2
#: (``radio.indoor``), by frequency and elevation angle, for this building type: "traditional"
#: (P.2109's class without thermal insulation or metallised glazing: brick, concrete and
#: timber village houses, the rural Vietnamese house) or "thermally_efficient" (metallised
#: glass and foil-backed insulation: modern energy-efficient buildings, rare in a commune).
#: A flat ``[coverage] indoor_loss_db`` overrides the model.
BUILDING_TYPE: str = "traditional"
BUILDING_TYPES: tuple[str, ...] = ("traditional", "thermally_efficient")
#: The probability that the building entry loss is not exceeded (P.2109's P): 0.5, the
#: median (local setting the user chooses; 0.9 plans for the 90 % most penetrable houses).
INDOOR_LOSS_PROBABILITY: float = 0.5
#: Land-cover classes of ESA WorldCover 10 m v200 (the default classification of a
#: ``landcover`` layer; ESA WorldCover Product User Manual v2.0, Table 1).
WORLDCOVER_CLASSES: dict[int, str] = {
    10: "tree cover", 20: "shrubland", 30: "grassland", 40: "cropland", 50: "built-up",
    60: "bare / sparse vegetation", 70: "snow and ice", 80: "permanent water bodies",
    90: "herbaceous wetland", 95: "mangroves", 100: "moss and lichen"}
#: Extra loss (dB) at a receiver pixel of each land-cover class, over the path-loss model of
#: its environment (``[clutter] losses_db``). Local settings: the model's environment already
#: holds the village's houses, fields and water (0 dB); trees and mangroves 6 dB and shrubland
#: 2 dB are Weissberger's foliage loss (Weissberger 1982, L = 0.45 f^0.284 d dB for d <= 14 m
#: of foliage, f in GHz) at 1.8 GHz through 11 m and 4 m of foliage (a house among garden
#: trees, behind a hedge).
CLUTTER_LOSS_DB: dict[int, float] = {
    10: 6.0, 20: 2.0, 30: 0.0, 40: 0.0, 50: 0.0, 60: 0.0, 70: 0.0, 80: 0.0, 90: 0.0,
    95: 6.0, 100: 0.0}
#: The environment of each land-cover class, for the Hata family's correction per pixel when
#: ``[clutter] environment_per_pixel = true`` (``[clutter] environments``). Okumura's classes
#: (Okumura et al. 1968, as used by Hata 1980): open area = fields and open land without tall
#: trees or buildings ("rural": cropland, grassland, water, bare land); suburban = villages
#: and roads scattered with trees and houses (built-up of a commune, trees, shrubs); "urban"
#: (town centres) is for the user to assign. Off by default: 10 m land cover does not resolve
#: the tree lines and bamboo hedges that make the commune's paddies less than open
#: (``ENVIRONMENT``).
CLUTTER_ENVIRONMENTS: dict[int, str] = {
    10: "suburban", 20: "suburban", 30: "rural", 40: "rural", 50: "suburban", 60: "rural",
    70: "rural", 80: "rural", 90: "rural", 95: "suburban", 100: "rural"}
CLUTTER_ENVIRONMENT_PER_PIXEL: bool = False

# --------------------------------------------------------------------------------------------
# Tower sharing and the land officer's check (issue 5)
# --------------------------------------------------------------------------------------------

#: Cells without a tower_id within this distance (m) of each other are one tower.
TOWER_GROUPING_M: float = 25.0
#: Two cells of one operator, technology, band and azimuth within this distance (m) of each
#: other are warned about when loading: one cell given twice, or two carriers of one sector
#: (a local setting: GPS and exports put one mast's cells at one point).
DUPLICATE_CELL_M: float = 1.0

#: Cells that share a tower_id but stand farther than this (m) from each other (chained) are
#: separate towers, the later ones named ``ID#2``, ``ID#3``, with a warning when a scenario is
#: loaded (a local setting: one mast's cells in an operator's list differ by a few tens of
#: metres; a copy-paste slip put one id on two masts a kilometre apart, which M5 then counted
#: as one shared tower standing between them).
TOWER_ID_SPLIT_M: float = 100.0

#: A cell's eirp_dbm given below this (dBm) is warned about when the sites are read: EIRP in
#: watts typed as dBm (40 W is 46 dBm; "40" read as dBm is a femtocell's level). A local
#: setting: macro cells radiate 50-65 dBm EIRP, small cells 30-45 dBm.
EIRP_LOW_WARN_DBM: float = 30.0

#: Towers of different operators closer than this (m) are sharing candidates: 500 m outside
#: urban areas, 100 m inside (scenario layer ``urban_areas``).
SHARING_DISTANCE_M: float = 500.0
SHARING_DISTANCE_URBAN_M: float = 100.0

#: How M5 is counted: "towers" (tower positions used by two or more operators, the plan's
#: count) or "installations" (operator installations on shared towers / all installations).
SHARING_RATIO: str = "towers"
SHARING_RATIOS: tuple[str, ...] = ("towers", "installations")

#: The unit's territory (issue 11): a tower, or a suggested site, is a point (a tower's point
#: is the mean position of its cells); it lies on the unit's territory when the unit polygon
#: (the scenario's ``commune`` layer, else the union of the hamlets) covers it, a point on the
#: boundary line counting as inside, or when it lies within this distance (m) of the polygon,
#: so that rounding (6 decimals of a degree: about 0.1 m) and reprojection cannot push a tower
#: standing on the line out. A tower farther out is the neighbour's: it still serves coverage
#: but M5 does not count it and no suggestion uses it.
TERRITORY_EDGE_M: float = 0.5
#: ``[scenario] plan_unit`` that went whole into ``[scenario] unit`` (the 2025 mapping) yet
#: whose outline (the commune layer, else the hamlets) reaches farther than this (m) beyond
#: the unit's bundled boundary: a load warning (the layers and the boundary come from
#: different surveys), and check-site asks for review in that strip instead of answering
#: ``outside-unit`` (found by a review: the sample's hamlets reach 183 m beyond phường Quang
#: Trung, and a point of hamlet QT04 was "not the commune's to decide"). A tolerance of this
#: tool for digitising differences at about 1:10,000, not a rule.
PLAN_BEYOND_UNIT_WARN_M: float = 50.0
#: A commune layer whose overlap with the 2025 unit's bundled boundary is at least this share
#: of their union is that boundary (``init`` copies it into the scenario folder), not the
#: outline of ``plan_unit``, the pre-2025 commune: that one is then the hamlets' union, as
#: with no commune layer (found by a review: the old commune was measured on the whole ward).
#: Local setting: the bundled boundary reprojected and simplified to 10 m stays above 0.99.
SAME_OUTLINE_SHARE: float = 0.98

#: A hamlet belongs to the administrative unit holding at least this share of its area
#: (reporting per unit: the plan's old commune and the 2025 ward). 0.5: the unit holding
#: most of it (a convention of this tool, not a rule).
HAMLET_UNIT_MIN_SHARE: float = 0.5
#: ``analyze`` says how much of a unit the data's hamlets cover when it is less than this
#: share (a display choice: a digitising sliver of 0.3 % is not worth a line).
UNIT_AREA_SHARE_SAID_BELOW: float = 0.995
#: A hamlet with more than this share of its area in a unit, but less than
#: ``HAMLET_UNIT_MIN_SHARE``, is named in a warning (it counts not there); below it, an edge
#: drawn a few metres apart (the old commune's outline and the ward's) is not worth a word.
#: A convention of this tool.
HAMLET_UNIT_SPLIT_SHARE: float = 0.05

#: A scenario's ``unit`` holding less than this share of the hamlets' area is warned about:
#: its indicators would be those of another unit's hamlets (a convention of this tool).
UNIT_HAMLETS_WARN_SHARE: float = 0.5

#: The cadastral CRS in which ``check-site`` also gives the proposed point (``check.json``
#: ``point.x``/``point.y``, the header of ``check.html``): a preset of
#: :data:`coverage_gis.io.crs.CRS_PRESETS`, VN-2000 / TM-3 of the province (Thanh Hóa: zone
#: 482, central meridian 105°, EPSG:5897), as land-use maps give positions.
CHECK_SITE_CADASTRAL_CRS: str = "vn2000-thanhhoa"

#: x/y typed in another projected CRS than the cadastral one are sent for review when read
#: as cadastral coordinates they would lie farther than this (m) from where they were put (a
#: wrong preset moves a point hundreds of metres: VN-2000 / UTM 48 against TM-3 by 667 m in
#: Bỉm Sơn). Local setting.
CHECK_SITE_CRS_TOLERANCE_M: float = 50.0
#: A proposed site farther than this from every hamlet of the data (m) is on land the layers do
#: not describe (hamlets, households and constraints are drawn over the hamlets): its check
#: says so and asks for review rather than "ok" (local setting, no source; found by a review:
#: a site 2.9 km from the data, in the ward's unmapped part, was "ok" with nothing checked).
CHECK_SITE_UNMAPPED_M: float = 500.0

#: How a check states the point: decimals of degrees (6: about 0.1 m) and of metres (3).
CHECK_SITE_DEGREE_DECIMALS: int = 6
CHECK_SITE_METRE_DECIMALS: int = 3

#: Default minimum distances (m) from a proposed tower to constraint features, by kind; a
#: scenario's constraint layer may set its own ``min_distance_m``. No national rule fixes these
#: for BTS towers: they are **local settings** (typical local planning values the commune
#: chooses). A breach gives the verdict ``review``, never ``conflict``; only a constraint row
#: whose ``basis`` is ``regulation`` (with its ``source``: document and article) gives
#: ``conflict``.
CONSTRAINT_MIN_DISTANCE_M: dict[str, float] = {
    "school": 50.0,
    "kindergarten": 50.0,
    "health_station": 50.0,
    "heritage": 100.0,
    "cultural_house": 30.0,
    "commune_office": 30.0,
    "dwelling": 10.0,
}

#: Radio-frequency exposure (check-site): the limit of QCVN 8:2022/BTTTT (Circular
#: 21/2022/TT-BTTTT, in force 1 July 2023, replacing QCVN 8:2010/BTTTT; its scope: public land
#: mobile base stations with outdoor antennas operating from 110 MHz to 6 GHz), its
#: non-occupational limit row for 10 MHz-6 GHz: 27.5 V/m, 0.073 A/m, equivalent plane-wave
#: power density 2 W/m² (as summarised by the Ministry's announcement of the Circular and
#: quangninh.tcvn.gov.vn; the clause number is not checked against the text here).
#: A total exposure ratio at or above 1 at a dwelling or public building breaks it
#: (verdict ``conflict``). Computed with the far-field formula of ITU-T K.52 / IEC 62232
#: (:mod:`coverage_gis.radio.exposure`).
EXPOSURE_LIMIT_W_M2: float = 2.0
EXPOSURE_REGULATION: str = ("QCVN 8:2022/BTTTT (Thông tư 21/2022/TT-BTTTT, hiệu lực "
                            "01/07/2023): giới hạn phơi nhiễm không do nghề nghiệp, "
                            "10 MHz-6 GHz, 2 W/m²")
#: Heights (m above ground) at which people are assumed at a dwelling or public building: from
#: standing on the ground to the top floor of a four-storey house (local setting: the
#: commune's tallest usual buildings; the map has no building heights). Over the limit at the
#: first (ground level), or within a building's own height (households ``height_m``), is a
#: ``conflict``; over it only at the upper, assumed heights is for ``review``.
EXPOSURE_HEIGHTS_M: tuple[float, ...] = (1.5, 4.5, 7.5, 10.5, 13.5)
#: Height above natural ground (m) from which a structure outside an airport's vicinity
#: airspace must carry an aviation obstacle warning: Decree 32/2016/NĐ-CP on the management of
#: aviation obstacle heights, Art. 7(1)(c) ("nằm ngoài phạm vi vùng trời phụ cận có độ cao từ
#: 45 mét trở lên so với mặt đất tự nhiên"). check-site gives a proposal whose antenna is that
#: high ``review`` (reason ``aviation_obstacle``): a duty to mark, not a ban; within an
#: airport's vicinity the limits are lower and are not checked here.
AVIATION_WARNING_HEIGHT_M: float = 45.0
AVIATION_REGULATION: str = "Nghị định 32/2016/NĐ-CP, Điều 7 khoản 1 điểm c"
#: Storey height (m) by which the exposure check goes on above ``EXPOSURE_HEIGHTS_M`` up to a
#: building's known height (households ``height_m``), as those heights step: 3 m a storey.
EXPOSURE_FLOOR_STEP_M: float = 3.0
#: The range a household's building height (``height_m``, m) is read in.
BUILDING_HEIGHT_RANGE_M: tuple[float, float] = (0.0, 500.0)
#: Existing cells within this distance (m) of the proposal add to the exposure it is checked
#: with (a shared tower's other operators), and places within it are checked; farther when the
#: proposed cells' compliance distance is (local setting).
EXPOSURE_SEARCH_M: float = 100.0

#: Kinds of constraint features that are public buildings where people stay (checked for
#: RF exposure like dwellings).
PUBLIC_BUILDING_KINDS: tuple[str, ...] = ("school", "kindergarten", "health_station",
                                          "cultural_house", "commune_office")

#: check-site's sharing advice: sharing an existing tower is recommended when the same cells
#: there would newly cover at least this share of the households the proposed point would
#: (local setting: how much coverage the commune accepts to give up for not building).
SHARING_MIN_GAIN_SHARE: float = 0.9

#: suggest-sites: land-use classes (the ``class`` of a scenario's ``landuse`` layer) where no
#: tower is ever proposed; a scenario adds more with ``[suggestions] excluded_land`` (e.g.
#: ``["paddy"]``: converting rice land needs a change of land use, which the commune may not
#: want to propose). Local settings.
SUGGESTION_EXCLUDED_LAND: tuple[str, ...] = ("water",)
#: suggest-sites: strips along roads (by ``road_class``; ``other`` for any class not listed)
#: and along the railway where no tower is proposed, metres each side of the centre line.
#: Local settings: the legal road and railway safety corridors depend on each road's grade
#: and each line's class (road and railway laws and their decrees); set these from your
#: roads' grades. The defaults only keep towers off the carriageway and its verges.
SUGGESTION_ROAD_CORRIDOR_M: dict[str, float] = {"motorway": 30.0, "trunk": 15.0,
                                                "primary": 15.0, "secondary": 10.0,
                                                "tertiary": 8.0, "other": 5.0}
SUGGESTION_RAILWAY_CORRIDOR_M: float = 15.0
#: check-site: the road classes whose strip (SUGGESTION_ROAD_CORRIDOR_M) a proposed tower is
#: sent for review in, with the railway's (local setting): the national and provincial
#: roads. Lower roads' and lanes' centre lines are drawn too roughly (OpenStreetMap: metres
#: off) for their few metres of strip to tell, and a mast beside a lane is a village's usual
#: place.
CHECK_SITE_CORRIDOR_CLASSES: tuple[str, ...] = ("motorway", "trunk", "primary")
#: suggest-sites: distance (m) within which the uncovered households a candidate aims its
#: sectors at are taken (the first sector points at their centroid, the others at +120° and
#: +240°).
SUGGESTION_AIM_RADIUS_M: float = 3000.0
#: suggest-sites: candidate points are looked for within this distance (m) of the uncovered
#: households of short hamlets (local setting: a few cell radii of a suggested site).
SUGGESTION_CANDIDATE_REACH_M: float = 3000.0

#: suggest-sites: spacing (m) of the grid of candidate points on allowed land, and the radio
#: set-up of a suggested site (three 4G sectors on a new or shared tower).
CANDIDATE_SPACING_M: float = 400.0
SUGGESTED_SITE: dict[str, float] = {"band_mhz": 1800.0, "bandwidth_mhz": 20.0,
                                    "height_m": 35.0, "eirp_dbm": 61.0, "tilt_deg": 4.0,
                                    "beamwidth_deg": 65.0}
#: Its sectors' azimuths (degrees): the first aimed at the gaps it closes (``[suggestions]
#: aim_sectors``) or north, the others turned from it by these offsets.
SUGGESTED_SITE_SECTORS_DEG: tuple[float, ...] = (0.0, 120.0, 240.0)

#: check-site (and ``/api/check``): most sectors (``--azimuth-deg`` values) one proposed tower
#: may carry. A local sanity bound, not a regulation: a BTS usually has three sectors, six at
#: most on one band, so 12 leaves room for two bands while refusing the thousands of repeated
#: values that made a check (which runs under the web app's one lock) take many seconds.
CHECK_SITE_MAX_SECTORS: int = 12
#: check-site: two azimuths closer than this (degrees, taken modulo 360: 0 and 360 are one
#: direction) are the same sector given twice and are refused, rather than counted as two
#: co-directional cells (exposure and coverage summed twice). A convention of this tool: a
#: sector antenna's beam is 65° wide, so azimuths this close cannot be two sectors.
CHECK_SITE_SAME_AZIMUTH_DEG: float = 0.5
#: check.html (one A4 page): the most rows of constraint distances met the page lists, the
#: nearest first; every distance not met and the nearest dwelling are always listed, and the
#: rest are counted under the table (all are in check.json). A layout setting, found by a
#: review: a ward's 30 cultural houses and schools pushed the page onto a second sheet.
CHECK_PAGE_MAX_MET_ROWS: int = 2

# --------------------------------------------------------------------------------------------
# The plan's 2025 targets (../shared/plan/TARGETS.md, section I.3 of the plan)
# --------------------------------------------------------------------------------------------

#: Where the targets come from (a local plan: the commune's own decision, cited as such).
PLAN_TARGETS_SOURCE: str = ("Kế hoạch phát triển hạ tầng số trên địa bàn xã Quang Trung giai "
                            "đoạn 2023-2025 (UBND xã Quang Trung, thị xã Bỉm Sơn), mục I.3")
#: id -> (Vietnamese name, English name, 2025 target, unit, measured from). Ratios are
#: fractions (0.85 = 85 %); M1 is per 100 inhabitants.
PLAN_TARGETS: dict[str, tuple[str, str, float, str, str]] = {
    "M1": ("Số thuê bao băng rộng di động/100 dân",
           "mobile broadband subscriptions per 100 inhabitants", 75.0, "per 100", "statistics"),
    "M2": ("Tỷ lệ thuê bao sử dụng điện thoại thông minh/tổng thuê bao di động",
           "smartphone subscriptions / all mobile subscriptions", 0.85, "ratio", "statistics"),
    "M3": ("Tỷ lệ dân số trưởng thành có điện thoại thông minh",
           "adults owning a smartphone", 0.80, "ratio", "statistics"),
    "M4": ("Tỷ lệ thôn, bản được phủ sóng di động băng rộng",
           "hamlets covered by mobile broadband (4G/5G)", 1.0, "ratio", "map"),
    "M5": ("Tỷ lệ dùng chung vị trí trạm BTS",
           "BTS site positions shared by 2+ operators", 0.15, "ratio", "map"),
    "F1": ("Tỷ lệ hộ gia đình có truy nhập Internet băng rộng cáp quang",
           "households with FTTH internet", 0.75, "ratio", "statistics"),
    "F2": ("Tỷ lệ thôn được phủ băng rộng cố định (FTTH)",
           "hamlets covered by fixed broadband (FTTH)", 1.0, "ratio", "map"),
    "P1": ("Tỷ lệ cơ quan, tổ chức nhà nước sử dụng nền tảng số",
           "state agencies using digital platforms", 1.0, "ratio", "statistics"),
    "P2": ("Tỷ lệ doanh nghiệp sử dụng nền tảng số",
           "enterprises using digital platforms", 0.50, "ratio", "statistics"),
}

# --------------------------------------------------------------------------------------------
# Fibre (FTTH) reach (issue 4)
# --------------------------------------------------------------------------------------------

#: Longest drop cable from a box to a house along the lanes (m): FIELD_NOTES rule of thumb
#: 200-300 m, 500 m at most.
FIBRE_MAX_DROP_M: float = 300.0
#: Where there is no road, the straight line times this factor stands for the cable length.
FIBRE_DETOUR_FACTOR: float = 1.3
#: Route fragments whose ends are at most this far apart are joined (m).
FIBRE_SNAP_TOLERANCE_M: float = 5.0
#: A house or box farther than this from every road is off the network (m): the longest drop.
FIBRE_CONNECTOR_MAX_M: float = 500.0
#: A house joins its nearest road and also every other road (line of the roads layer) passing
#: within this many metres more than the nearest, at that road's nearest point: its drop
#: cable is measured by whichever is shorter along the roads (m; 0: the nearest road only). A
#: **local setting** (modelling choice), not a rule: found by a review with OpenStreetMap
#: footpaths, where houses joined only to the nearest line were measured along a dead-end path
#: and back, and adding paths lowered the sample's homes passed (1,084 to 1,032). Its effect,
#: measured on the sample (2026-11-29): homes passed 1,101 at 30 m, 1,116 at 100 m, 1,135 at
#: 300 m; the window's edge is a step (a house moved 1 m: its drop 232 -> 316 m).
FIBRE_HOUSE_ROAD_SLACK_M: float = 30.0
#: At most this many roads a house joins (its nearest first; bounds the graph's size).
FIBRE_HOUSE_ROADS_MAX: int = 16
#: A hamlet counts as reached when its cultural house is passed ("cultural_house"), else when
#: this share of its homes is passed ("share" rule, and the fallback for hamlets with no
#: cultural house marked). Basis of the cultural-house rule: the Ministry of Information and
#: Communications (merged into the Ministry of Science and Technology on 1 March 2025, Decree
#: 55/2025/NĐ-CP) counted a hamlet without fibre as one with "no broadband fibre internet
#: connection to the hamlet's cultural house" ("chưa có kết nối Internet cáp quang băng rộng
#: đến nhà văn hóa thôn, bản"), in its Vietnam telecommunications infrastructure development
#: plan 2024-2025 (Bộ TT&TT, May 2024, as reported by english.mic.gov.vn on 27 May 2024 and
#: VietNamNet). That is how the ministry counts, not a regulation; reading "connection" as
#: "passed" (a drop box within FIBRE_MAX_DROP_M along the roads) is an **assumption**, the
#: closest the map can tell. The 80 % share is a **local setting** (no source).
FIBRE_HAMLET_RULE: str = "cultural_house"
FIBRE_HAMLET_RULES: tuple[str, ...] = ("cultural_house", "share")
FIBRE_HAMLET_SHARE: float = 0.8
#: Without access points, fibre routes are sampled every this many metres; gap extensions
#: under the share rule consider a new box at least every this many metres along the roads.
FIBRE_ROUTE_SAMPLE_M: float = 10.0
FIBRE_SITE_SPACING_M: float = 10.0
#: A workbook's header is the first row with a value, or, when that row has none of the
#: table's column names (a report's title above the table), the first row of this many with
#: two of them (a reading rule of the loader, not a standard).
XLSX_HEADER_SEARCH_ROWS: int = 20
#: Access-point ``kind`` spellings met in operators' files and the kind each means (industry
#: practice of two-level GPON, FIELD_NOTES: an OLT feeds first-level splitters in a cabinet,
#: whose fibres feed the second-level splitters in the FAT (drop) boxes, from which the drop
#: cables reach homes; a splice closure (măng xông) or an ODF joins or ends fibres and serves
#: no home). Looked up as :func:`~coverage_gis.config.vocabulary.name_key` writes names, also
#: without a split ratio (``Splitter 1:8``) or a trailing number (``FAT-16``). A kind not
#: listed is read as a drop box, with a warning (found by a review: ``Splitter cấp 1`` passed
#: 148 homes as a drop box, silently).
ACCESS_POINT_KIND_ALIASES: dict[str, tuple[str, ...]] = {
    "FAT": ("fat", "hopfat", "hộpfat", "drop", "dropbox", "droppoint", "tapdiem", "tậpđiểm",
            "hoptapdiem", "hộptậpđiểm", "hopphoiquang", "hộpphốiquang", "hopcapthuebao",
            "hộpcápthuêbao", "splittercap2", "splittercấp2", "splitterlevel2", "splitterl2",
            "spl2", "bochiacap2", "bộchiacấp2"),
    "splitter": ("splitter", "spl", "spl1", "splittercap1", "splittercấp1", "splitterlevel1",
                 "splitterl1", "bochia", "bộchia", "bochiaquang", "bộchiaquang", "bochiacap1",
                 "bộchiacấp1", "tusplitter", "tủsplitter"),
    "OLT": ("olt", "tuolt", "tủolt"),
    "closure": ("closure", "spliceclosure", "joint", "mangxong", "măngxông", "hopnoi",
                "hộpnối"),
    "ODF": ("odf", "giaphoiquang", "giáphốiquang"),
}
#: Access-point kinds (lower case) that are not drop boxes: a splitter box feeds drop boxes,
#: not homes, an OLT feeds splitters, a closure or an ODF serves none (industry practice: the
#: drop cable to a home leaves a FAT/drop box). Any other kind, or none, is a drop box.
FIBRE_NON_DROP_KINDS: tuple[str, ...] = ("splitter", "olt", "closure", "odf")
#: Access-point ``kind`` values (lower case) that mark an OLT position (for the GPON check).
FIBRE_OLT_KINDS: tuple[str, ...] = ("olt",)
#: Road ``road_class`` values (lower case) that are railways, not roads: left out of the road
#: network and counted as railway crossings (OpenStreetMap tags railway lines
#: ``railway=rail``; a roads layer that holds them says so in ``road_class``).
FIBRE_RAILWAY_ROAD_CLASSES: tuple[str, ...] = ("railway", "rail")

# Gap extensions as they are built (issue 11).
#: Ports of a new drop box (local setting: a FAT with one 1:16 splitter, as the sample's named
#: FATs; the sample's small drop boxes have 24).
FIBRE_NEW_BOX_PORTS: int = 16
#: National roads for crossings (local setting): these ``road_class`` values (lower case;
#: OpenStreetMap's top classes) or a name matching FIBRE_NATIONAL_ROAD_NAME, whatever the
#: class (the sample's QL217B is ``primary``, named "Quốc lộ 217B").
FIBRE_NATIONAL_ROAD_CLASSES: tuple[str, ...] = ("motorway", "trunk")
FIBRE_NATIONAL_ROAD_NAME: str = r"^\s*(?:ql|quốc lộ|quoc lo)\b"
#: New cable along roads of these classes is laid underground, elsewhere aerial on poles
#: (local setting the user chooses: along national roads, in ducts).
FIBRE_UNDERGROUND_ROAD_CLASSES: tuple[str, ...] = ("motorway", "trunk", "primary")
#: Unit prices (VND) of an extension: local settings / typical prices, to be set by the user
#: (no source: aerial cable on existing poles per metre, cable in a new duct per metre, a
#: drop box with its splitter installed, one crossing of a railway or national road with
#: its permit).
FIBRE_AERIAL_CABLE_VND_PER_M: float = 30_000.0
FIBRE_UNDERGROUND_CABLE_VND_PER_M: float = 250_000.0
FIBRE_BOX_VND: float = 3_000_000.0
FIBRE_CROSSING_VND: float = 20_000_000.0

# GPON optical budget (issue 11): which of these are standards and which typical values.
#: Loss budget (dB) of the optical distribution network by ODN class, ITU-T G.984.2
#: (standard): class B+ 13-28 dB (Amendment 1, 2006), class C+ 17-32 dB (Amendment 2, 2008).
FIBRE_GPON_CLASSES_DB: dict[str, float] = {"B+": 28.0, "C+": 32.0}
#: The class checked against (local setting: B+ is the common OLT optics).
FIBRE_GPON_CLASS: str = "B+"
#: Fibre attenuation (dB/km) at 1310 nm, the GPON upstream, the worst case: typical cabled
#: G.652.D value; ITU-T G.652 (standard) allows up to 0.4 dB/km in cable.
FIBRE_LOSS_DB_PER_KM: float = 0.35
#: Splitter insertion loss (dB) by split ratio: typical vendor maximum values of PLC
#: splitters (not a standard; the ideal 10·log10(N) plus excess loss).
FIBRE_SPLITTER_LOSS_DB: dict[int, float] = {2: 4.0, 4: 7.3, 8: 10.5, 16: 13.8, 32: 17.1,
                                           64: 20.5}
#: Total split of a GPON tree (local setting: the common two-level designs 1:8 x 1:8 and
#: 1:4 x 1:16, FIELD_NOTES): a drop box's own splitter (its ports) is the second level, the
#: first level makes up the rest.
FIBRE_GPON_SPLIT_RATIO: int = 64
#: Connector pairs OLT to home (typical: OLT patch, ODF, drop box, home ONT) and their loss
#: (typical 0.5 dB per mated pair).
FIBRE_GPON_CONNECTORS: int = 4
FIBRE_CONNECTOR_LOSS_DB: float = 0.5
#: Fusion splices OLT to home (typical: feeder joint, both sides of the first-level splitter,
#: drop) and their loss (typical 0.1 dB each), plus one joint per cable section of this length
#: (km; typical drum length).
FIBRE_GPON_SPLICES: int = 4
FIBRE_SPLICE_LOSS_DB: float = 0.1
FIBRE_CABLE_SECTION_KM: float = 2.0
#: Longest fibre OLT to home (km), ITU-T G.984.1 (standard): 20 km physical reach.
FIBRE_GPON_MAX_REACH_KM: float = 20.0
#: Fibre (km) between the OLT and where the map's routes begin, added when the OLT position
#: is taken from a route's start (local setting: 0 counts only the mapped fibre).
FIBRE_GPON_FEEDER_KM: float = 0.0

# --------------------------------------------------------------------------------------------
# OpenStreetMap and building footprints (issue 12; coverage_gis.io.osm, coverage_gis.io.buildings)
# --------------------------------------------------------------------------------------------

#: ``highway=*`` values read as roads a cable can follow: the road classes of the OSM wiki's
#: "Key:highway" (motorway ... residential, service, track, living_street, pedestrian,
#: unclassified); ``*_link`` takes its road's class. Every other value is not a road here
#: (construction, proposed, platform, steps, corridor, bus_stop, raceway, ...), and neither is a
#: way with ``area=yes`` (a square's outline), ``route=ferry`` or ``barrier=*`` without one of
#: these values (walls, kerbs, fences).
OSM_ROAD_HIGHWAYS: tuple[str, ...] = (
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "service", "living_street", "pedestrian", "track", "road")
#: Paths are roads only on request (``include_paths=True``): a local setting the user chooses
#: (village footpaths between paddies carry drop cables in places, field paths do not).
OSM_PATH_HIGHWAYS: tuple[str, ...] = ("path", "footway", "cycleway", "bridleway")
OSM_INCLUDE_PATHS: bool = False
#: A national road (quốc lộ) is signposted and tagged ``ref=QL...`` ("QL1A", "QL.217B"); such a
#: road tagged below ``primary`` is given ``road_class="primary"`` (the sample data's classes:
#: national roads are trunk or primary) and ``national_road=True``.
OSM_NATIONAL_ROAD_REF: str = r"^\s*QL[\s.]*\d"
#: ``railway=*`` values read as railways (crossing a main line needs the railway's permission);
#: metro, tram, light rail, abandoned and construction lines are left out (OSM wiki
#: "Key:railway").
OSM_RAILWAYS: tuple[str, ...] = ("rail", "narrow_gauge")

#: Building footprints smaller than this (m²) are not taken as dwellings: a local setting the
#: user chooses (sheds, kiosks, toilets, pump houses; a Vietnamese village house is larger).
BUILDING_MIN_AREA_M2: float = 20.0
#: Dwellings (households) per building footprint: a local setting. OSM's ``building:flats`` tag,
#: where given, replaces it for that building; an ``apartments`` block without it counts this
#: many (an undercount the user can correct with the tag or this setting).
BUILDING_DWELLINGS: int = 1
#: A storey's height (m), for a building whose OSM tags give ``building:levels`` but no
#: ``height``: its height is levels × this (local setting, the usual ~3 m of a storey; the
#: check's RF exposure counts people up to a building's height).
BUILDING_STOREY_M: float = 3.0
#: ``building:flats`` values above this are ignored as typing errors.
BUILDING_MAX_FLATS: int = 2000
#: ``building=*`` values that are not dwellings (OSM wiki "Key:building": commercial,
#: industrial, civic, religious, agricultural, technical and other non-residential types).
#: ``yes`` (unknown use) is kept: most mapped buildings in Vietnamese villages are houses.
OSM_NON_RESIDENTIAL_BUILDINGS: tuple[str, ...] = (
    "no", "industrial", "warehouse", "factory", "manufacture", "commercial", "retail",
    "supermarket", "office", "kiosk", "hotel", "school", "kindergarten", "college",
    "university", "hospital", "public", "civic", "government", "townhall", "fire_station",
    "military", "church", "chapel", "cathedral", "temple", "pagoda", "shrine", "mosque",
    "religious", "monastery", "train_station", "transportation", "hangar", "garage", "garages",
    "carport", "parking", "shed", "roof", "barn", "cowshed", "stable", "sty", "farm_auxiliary",
    "greenhouse", "construction", "ruins", "toilets", "service", "sports_hall", "stadium",
    "grandstand", "water_tower", "tower", "bunker", "bridge", "storage_tank", "silo",
    "transformer_tower", "digester", "gatehouse")
#: Google Open Buildings v3: detections with a lower confidence are dropped. Google's own
#: example for the dataset (Earth Engine catalogue, GOOGLE/Research/open-buildings/v3/polygons)
#: splits the published detections into 0.65-0.70, 0.70-0.75 and >= 0.75; 0.75 keeps the
#: top, most precise band (a local setting the user can lower for more recall).
OPEN_BUILDINGS_MIN_CONFIDENCE: float = 0.75
#: Where household points made from building footprints come from (the ``source`` column).
BUILDING_SOURCES: dict[str, str] = {
    "osm": "OpenStreetMap (ODbL)",
    "google": "Google Open Buildings v3 (CC BY 4.0 / ODbL)",
    "microsoft": "Microsoft Global ML Building Footprints (ODbL)",
    "file": "building footprints of the households file",
}

# --------------------------------------------------------------------------------------------
# Real cells and DEM
# --------------------------------------------------------------------------------------------

#: OpenCelliD cells grouped into masts (``io.opencellid``). LTE: the 28-bit E-UTRAN cell
#: identity is the macro eNB id (its leftmost 20 bits) followed by an 8-bit local cell id, so
#: eNB id = cell // 256 (3GPP TS 36.413 §9.2.1.37-38).
OPENCELLID_LTE_LOCAL_CELL_BITS: int = 8
#: NR: the 36-bit NR cell identity is the gNB id (its leftmost 22 to 32 bits, the operator's
#: choice: 3GPP TS 38.413 §9.3.1.6-7) followed by the local cell id. Vietnamese operators do
#: not publish their length: 24 bits (local setting, a common choice; with another length
#: the cells of one gNB split or merge differently).
OPENCELLID_NR_GNB_ID_BITS: int = 24
#: A cell whose OpenCelliD position (the centroid of phones' measurements) lies at least this
#: far (m) from its mast's centre gets a sector azimuth pointing from the mast towards it;
#: nearer, the direction is noise and the cell stays omni (local setting: about the accuracy
#: of crowd-sourced cell positions in open country).
OPENCELLID_MIN_SECTOR_OFFSET_M: float = 100.0
#: Masts whose cells lie farther than this (m) from the mast's centre are warned about: the
#: centre is then a poor guess (local setting: a rural cell's typical reach).
OPENCELLID_MAX_MAST_SPREAD_M: float = 3000.0
#: Geometric median (Weiszfeld's algorithm): stop when a step is shorter than this (m).
GEOMETRIC_MEDIAN_TOLERANCE_M: float = 0.01

#: Measured signal levels accepted in a measurements file (dBm): the widest reporting range of
#: the standards, NR SS-RSRP -156..-31 dBm (3GPP TS 38.133 §10.1.6), which holds LTE RSRP
#: (-140..-44 dBm, TS 36.133 §9.1.4), UMTS RSCP and GSM RXLEV. OpenCelliD rows outside it (0
#: for unknown, positive ASU values) are excluded with a warning; in a drive-test file they
#: are errors.
MEASUREMENT_LEVEL_RANGE_DBM: tuple[float, float] = (-156.0, -31.0)

#: Physical cell identities a measurement may name: NR's 0..1007 (3GPP TS 38.211 §7.4.2.1),
#: which holds LTE's 0..503 (TS 36.211 §6.11); outside it a row is an error.
PCI_RANGE: tuple[int, int] = (0, 1007)
#: Columns of a measurements file that give a reading's time (compared without regard to
#: case): two rows equal in position, level, cell identity and these (where the file has
#: them) are one reading written twice, counted once (OpenCelliD's ``measured_at`` or
#: ``measured``, read as ``measured_at``; drive-test tools' usual names).
MEASUREMENT_TIME_COLUMNS: tuple[str, ...] = ("measured_at", "time", "timestamp", "datetime",
                                             "date_time", "date", "utc", "gps_time")

# --------------------------------------------------------------------------------------------
# Calibration of the path loss against measurements (issue 10 part 6, `coverage-gis calibrate`)
# --------------------------------------------------------------------------------------------

#: The scenario's ``[calibration]``: L_cal(d) = L(d) + offset + slope log10(d / d_ref), floored
#: at free space (``radio.pathloss.calibrated_loss``). No correction by default (the models as
#: published); ``coverage-gis calibrate`` fits one to measured levels.
CALIBRATION_OFFSET_DB: float = 0.0
CALIBRATION_SLOPE_DB_PER_DECADE: float = 0.0
#: Reference distance (m) of the slope correction: 1 km, the reference distance of the Hata
#: family's log-distance law (Hata 1980, L = A + B log10(d / 1 km)); the offset is then the
#: correction at 1 km, the K1 of planning tools' calibrated models.
CALIBRATION_REFERENCE_DISTANCE_M: float = 1000.0
#: Allowed slope corrections (dB per decade). Lowest -20: the engine's default losses (free
#: space, Hata, COST-231, Extended Hata) grow by at least 20 dB per decade (free space, ITU-R
#: P.525) everywhere, so a correction down to -20 keeps the calibrated loss non-decreasing in
#: distance and ranges invertible. Highest +40: a local bound (no published model adds more
#: than about 20 dB per decade to Hata's 30-45 dB per decade slope).
CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE: tuple[float, float] = (-20.0, 40.0)
#: Largest standard error of a fitted slope (dB per decade) for the slope to be kept: above
#: it the measurements' distances do not tell the slope (all at nearly one distance: 40 points
#: on an 800 m ring, their GPS rounding spreading them by centimetres, gave +40 dB/decade
#: "at the limit"), and the offset alone is fitted (note ``slope_not_identifiable``). Local
#: setting: 10, so that the 95 % interval (+-1.96 standard errors) is narrower than two thirds
#: of the allowed range (60 dB/decade); a drive test over a factor 3 of distances with 100
#: points and sigma = 8 dB gives about 3.
CALIBRATION_SLOPE_SE_MAX_DB_PER_DECADE: float = 10.0
#: Allowed offsets (dB): a local bound, far beyond the 5-15 dB corrections drive tests give.
CALIBRATION_OFFSET_LIMITS_DB: tuple[float, float] = (-50.0, 50.0)
#: An offset beyond +-this (dB) is noted as unusual (``offset_unusual``): drive tests give
#: 5-15 dB; a level in another unit gives more (RSSI logged as RSRP reads some 20-30 dB
#: stronger over 20 MHz; found by a review: -18.9 dB accepted without a word). Local setting.
CALIBRATION_UNUSUAL_OFFSET_DB: float = 15.0
#: k of k-fold cross-validation (local setting: 5, the common choice; Hastie, Tibshirani and
#: Friedman, "The Elements of Statistical Learning", 2nd ed., sect. 7.10). Folds are contiguous
#: blocks of the file's rows (a drive test is a route: neighbouring points, whose shadowing is
#: correlated, stay in one fold).
CALIBRATION_FOLDS: int = 5
#: Fewest usable measurements for a fit (local setting; with fewer the slope is noise).
CALIBRATION_MIN_MEASUREMENTS: int = 10
#: A land-cover class gets its own calibration offset (``clutter_offsets_db``) only with at
#: least this many measurements in it (local setting: below it the class shares the overall
#: offset; with sigma = 8 dB shadowing, 30 points give its mean to about +/- 1.5 dB).
CALIBRATION_MIN_CLASS_MEASUREMENTS: int = 30
#: Technology of measurements whose file says none: 4G (RSRP is LTE's measurement, 3GPP TS
#: 36.214 sect. 5.1.1).
CALIBRATION_DEFAULT_TECHNOLOGY: str = "4G"

# --------------------------------------------------------------------------------------------
# The local web app (`coverage-gis serve`, issue 14)
# --------------------------------------------------------------------------------------------

#: Address the app listens on: the loopback interface, so that only this computer reaches it
#: (local setting the user chooses: the app has no login; another address needs --host and
#: prints a warning).
SERVE_HOST: str = "127.0.0.1"
#: Port (local setting the user chooses; 8765 is above the privileged range and not assigned
#: to a common service). ``--port 0`` takes any free port.
SERVE_PORT: int = 8765
#: Checks the app keeps in memory for their map overlay, printable page and KML, the most
#: recent first (local setting: a morning's requests).
SERVE_CHECKS_KEPT: int = 50
#: Hillshade of the DEM behind the app's map: the sun from azimuth 315° (north-west) at 45°
#: above the horizon and no vertical exaggeration, the cartographic convention (GDAL
#: ``gdaldem hillshade`` defaults; slopes by Horn's 3x3 method, Horn 1981, as GDAL).
HILLSHADE_AZIMUTH_DEG: float = 315.0
HILLSHADE_ALTITUDE_DEG: float = 45.0
HILLSHADE_Z_FACTOR: float = 1.0
#: Largest side (pixels) of the hillshade image (local setting: a 60 km DEM at 30 m fits;
#: larger ones are resampled, keeping the PNG near 1-3 MB).
HILLSHADE_MAX_PX: int = 2048

# --------------------------------------------------------------------------------------------
# map.html at province scale (issue 13, part 3): small, and quick to open in a browser
# --------------------------------------------------------------------------------------------

#: Households drawn one circle each up to this many; above, one circle per hamlet sized by
#: its households and coloured by their share (local setting: a commune has 1,000-5,000
#: households and keeps its detail; 20,000 SVG points is about 4 MB of page, where browsers
#: start to lag; a province has about a million).
MAP_HOUSEHOLD_POINTS_MAX: int = 20_000
#: Households in no hamlet are gathered, when drawn per hamlet, in squares of this side (m)
#: (local setting: about the extent of a village).
MAP_HOUSEHOLD_CELL_M: float = 1000.0
#: Hamlets drawn in full detail (exact outlines, each tooltip written out, names shown at
#: start, SVG) up to this many; above, outlines simplified for display, tooltips built in the
#: browser, names off at start and vectors drawn on a canvas (local setting: a district has
#: a few hundred hamlets, a province about 5,000).
MAP_HAMLETS_DETAILED_MAX: int = 500
#: On such a light map, the hamlet names written at once: those of the hamlets in view, the
#: largest first, at most this many (an engineering choice: a browser lays out each name on its
#: own, about 9 ms each for a province's 4,981; the names that would overlap are hidden anyway).
MAP_NAMES_IN_VIEW_MAX: int = 300
#: The printed maps (report, tower check) write hamlet and tower names up to this width of
#: map (m); wider (a province's units), names are tooltips only, as above that many hamlets
#: (local setting: at 760 px, 25 km is 33 m a pixel, where a hamlet is a few pixels wide).
PRINT_MAP_NAMES_MAX_M: float = 25_000.0
#: Tolerance (m) of the display simplification of hamlet outlines above that count
#: (Visvalingam-Whyatt on the hamlets as one coverage, shared edges kept shared, about the
#: square root of the smallest triangle's area kept; Douglas-Peucker's distance when the
#: hamlets are not a clean coverage; local setting: under a pixel at zoom 13, far below what
#: a province view shows, and 5,000 hamlets stay near 4 MB).
MAP_HAMLET_SIMPLIFY_M: float = 15.0
#: Tolerance (m) of the display simplification of the units of a province's choropleth
#: (local setting: a pixel at zoom 11; 166 units keep about 15,000 vertices).
MAP_UNIT_SIMPLIFY_M: float = 80.0
#: Cells drawn in full detail (smooth wedges, each tooltip written out) up to this many;
#: above, coarser wedges and tooltips built in the browser, and the signal radius simplified
#: (local setting: a district has a few hundred cells, a province 6,000-9,000, which in full
#: detail would take some 25 MB of page).
MAP_CELLS_DETAILED_MAX: int = 2000
#: Tolerance (m) of the display simplification (Douglas-Peucker) of the signal radius shapes
#: above that count (local setting: a pixel at zoom 12, their ranges being kilometres).
MAP_SIGNAL_RADIUS_SIMPLIFY_M: float = 30.0
#: Roads (and railway lines) drawn in full detail up to this many; above, one style written
#: once and the lines simplified for display (Douglas-Peucker, tolerance below) (local
#: setting: a commune has a few hundred, a province's village lanes tens of thousands).
MAP_LINES_DETAILED_MAX: int = 5000
MAP_LINES_SIMPLIFY_M: float = 5.0
#: Fibre access points (boxes) drawn with each tooltip written out up to this many; above,
#: a light layer (tooltips built in the browser; local setting: a commune has a few hundred
#: boxes, a province about 10,000, some 7 MB of page in full detail).
MAP_POINTS_DETAILED_MAX: int = 2000
#: Decimals of the coordinates (degrees) of the simplified layers: 1e-5° is about 1.1 m,
#: below the simplification tolerance (local setting; detailed layers keep 1e-6°).
MAP_LIGHT_DECIMALS: int = 5
#: Longest side (pixels) of a raster overlay image in map.html; larger rasters are resampled
#: to it (local setting: a 60 km area at 30 m fits at full resolution; a province's 6,000 px
#: becomes one 2048 px image of a few hundred kB, a screen's width).
MAP_RASTER_MAX_PX: int = 2048
#: Coverage rasters drawn pixel for pixel (nearest) are drawn this many times finer than
#: their grid, within ``MAP_RASTER_MAX_PX``, so that reprojecting to Web Mercator or plate
#: carrée drops no grid cell (found by a review: 10 households on one-cell gaps of the
#: coverage were drawn covered). A drawing setting.
MAP_RASTER_OVERSAMPLE: int = 3

#: check-site: the frequency range (MHz) over which the RF exposure limit of
#: ``EXPOSURE_REGULATION`` is quoted: QCVN 8:2022/BTTTT's non-occupational limits for 10 MHz to
#: 6 GHz (the range quoted with ``EXPOSURE_LIMIT_W_M2`` above; the repository cites no limit
#: for other bands). A cell whose band lies outside is not checked against that limit: the
#: check says so per cell (reason ``exposure_band_outside``, verdict ``review``).
EXPOSURE_LIMIT_BAND_MHZ: tuple[float, float] = (10.0, 6000.0)
