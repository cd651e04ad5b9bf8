"""Words of the printable pages (check.html, report.html) in Vietnamese and English.

Vietnamese is the default: the pages are read by commune officers. Machine-readable outputs
(JSON, CSV) stay in English, with codes (``reason_codes``) from which any language renders.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "words", "reason_text", "kind_name", "verdict_name", "basis_name",
           "skipped_text"]

LANGS = ("vi", "en")

_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "check_title": "Kiểm tra vị trí trạm BTS đề xuất: {operator} {technology} tại {lon}, {lat}",
        "check_note": "Tính bằng coverage_gis với mô hình và ngưỡng của kịch bản; vòng tròn nét "
                      "đứt là khoảng cách dùng chung hạ tầng ({distance} m).",
        "verdict": "Kết luận",
        "location": "Vị trí", "where": "thuộc", "lonlat": "kinh độ, vĩ độ (WGS 84)",
        "xy": "x, y ({crs})",
        "inside_hamlet": "trong xã, thôn {hamlet_id} {hamlet_name}",
        "outside_hamlets": "{inside} xã; thôn gần nhất {hamlet_id}, cách {distance} m",
        "inside": "trong", "outside": "ngoài",
        "proposal": "Thông số trạm đề xuất",
        "towers": "Trạm hiện có gần nhất và dùng chung hạ tầng",
        "tower": "trạm", "distance": "khoảng cách", "operators": "nhà mạng",
        "status": "trạng thái", "technologies": "công nghệ",
        "gain": "Vùng phủ tăng thêm (băng rộng di động 4G/5G)",
        "constraints": "Khoảng cách tới công trình cần bảo vệ",
        "kind": "loại", "name": "tên", "minimum": "tối thiểu", "result": "kết quả",
        "ok": "đạt", "too_close": "QUÁ GẦN", "map": "Bản đồ", "proposed": "vị trí đề xuất",
        "yes": "có", "no": "KHÔNG", "none": "không có",
        "existing": "hiện có", "planned": "quy hoạch",
        "nearest_household": "hộ dân gần nhất",
        # the record header of check.html
        "record": "Thông tin hồ sơ",
        "request_id": "số hồ sơ", "applicant": "đơn vị/người đề nghị",
        "checked_at": "thời điểm kiểm tra", "software_version": "phiên bản phần mềm",
        "input_point": "tọa độ như đã nhập", "input_crs": "hệ tọa độ như đã nhập",
        "input_options": "thông số như đã nhập",
        "point_lonlat": "kinh độ, vĩ độ ({crs})", "point_xy": "x, y ({crs})",
        "not_given": "không nhập",
        # the rules of check.html and check.kml
        "rule": "nội dung kiểm tra", "rule_basis": "căn cứ",
        # where the data comes from
        "provenance_title": "Nguồn dữ liệu", "layer": "lớp dữ liệu",
        "provenance_kind": "loại nguồn", "provenance_source": "nguồn",
        "provenance_licence": "giấy phép", "provenance_files": "tệp",
        "provenance_user": "của người dùng", "provenance_public": "dữ liệu công khai",
        "provenance_default": "giá trị mặc định", "provenance_sample": "mẫu minh họa",
        # the units section of the report
        "units_title": "Theo đơn vị hành chính: xã của kế hoạch và phường từ 01/07/2025",
        "unit_plan": "đơn vị của kế hoạch (trước 2025)",
        "unit_current": "đơn vị hiện nay (từ 01/07/2025)",
        "unit_hamlets": "thôn trong dữ liệu",
        "unit_area_share": "phủ {share} diện tích đơn vị",
        "units_note": "Mỗi thôn thuộc đơn vị chứa phần lớn diện tích của nó; M5 tính các trạm "
                      "nằm trên địa bàn từng đơn vị. Ranh giới:",
        "outline_commune_layer": "lớp ranh giới xã của kịch bản",
        "outline_bundled_boundary": "ranh giới 2025 kèm theo phần mềm",
        "outline_hamlets": "hợp các thôn (không có ranh giới công khai của đơn vị cũ)",
        "rf_exposure": "phơi nhiễm trường điện từ (nhà dân, công trình công cộng)",
        "rf_limit": "dưới giới hạn (cách ăng ten trên hướng búp sóng chính ≥ {distance} m)",
        "no_place_near": "không có nhà dân hay công trình công cộng trong {distance} m",
        "rules_note": "Chỉ vi phạm quy định mới dẫn tới kết luận VI PHẠM; khoảng cách do địa "
                      "phương đặt (tiêu chí địa phương) dẫn tới CẦN XEM XÉT. Phơi nhiễm tính "
                      "theo công thức trường xa (ITU-T K.52, IEC 62232), ở các độ cao tới tầng "
                      "4; đo kiểm theo QCVN 8:2022/BTTTT là căn cứ cuối cùng.",
        "gain_there": "phủ thêm nếu đặt tại trạm này",
        "sharing_circle": "khoảng cách dùng chung hạ tầng ({distance} m)",
        "rf_circle": "khoảng cách tuân thủ phơi nhiễm trên hướng búp sóng chính ({distance} m)",
        # coverage gain keys
        "basis": "cơ sở tính", "households": "hộ gia đình", "area": "diện tích",
        "households_newly_covered": "số hộ được phủ sóng mới",
        "households_newly_covered_by_operator": "số hộ được phủ mới bởi nhà mạng này",
        "households_newly_covered_per_hamlet": "số hộ được phủ mới theo thôn",
        "hamlets_newly_covered": "thôn đạt chỉ tiêu nhờ trạm này",
        "m4_before": "M4 trước", "m4_after": "M4 sau",
        "area_newly_covered_km2": "diện tích được phủ mới (km²)",
        # proposal keys
        "operator": "nhà mạng", "technology": "công nghệ", "band_mhz": "băng tần (MHz)",
        "bandwidth_mhz": "độ rộng kênh (MHz)", "height_m": "độ cao ăng-ten (m)",
        "eirp_dbm": "EIRP mỗi sector (dBm)", "tilt_deg": "góc ngẩng/chúc (°)",
        "azimuths_deg": "góc phương vị (°)", "cells": "số cell",
        # report
        "report_title": "Báo cáo tiến độ kế hoạch phát triển hạ tầng số: {scenario}",
        "report_note": "Tính bằng coverage_gis từ các lớp dữ liệu của kịch bản (năm {year}). "
                       "Chỉ tiêu đo trên bản đồ (M4, M5, F2) lấy từ các mô-đun vùng phủ, dùng "
                       "chung hạ tầng và cáp quang; các chỉ tiêu khác lấy từ bảng thống kê. Bản "
                       "đồ tương tác ở tệp {map} bên cạnh.",
        "scorecard": "Bảng chỉ tiêu", "indicator": "chỉ tiêu", "target_2025": "chỉ tiêu 2025",
        "met_latest": "đạt (năm mới nhất)", "source": "nguồn", "basis_latest": "cách tính",
        "hamlets": "Các thôn", "hamlet": "thôn",
        "col_households": "số hộ", "col_mobile_share": "tỷ lệ hộ có 4G/5G",
        "col_mobile_covered": "đạt phủ sóng di động", "col_switch_off": "mất sóng khi tắt 2G/3G",
        "col_ftth_share": "tỷ lệ hộ trong tầm cáp quang", "col_cultural": "nhà văn hóa có cáp",
        "col_ftth_covered": "đạt cáp quang",
        # fibre as it is built (issue 11): connectable homes, F1's notes, the GPON check
        "col_ftth_connectable": "tỷ lệ hộ đấu nối được ngay (hộp còn cổng)",
        "f1_total_only": "F1 tính từ tổng số thuê bao FTTH (gồm cả cơ quan, doanh nghiệp): "
                         "bảng thống kê không có số thuê bao FTTH hộ gia đình "
                         "(household_ftth_subscriptions).",
        "f1_flag_subscriptions_above_homes_passed": "Kiểm tra số liệu: {subs} thuê bao FTTH "
                                                    "nhưng bản đồ chỉ có {passed} hộ trong "
                                                    "tầm cáp quang.",
        "f1_flag_subscriptions_above_ports_used": "Kiểm tra số liệu: {subs} thuê bao FTTH "
                                                  "nhưng các hộp cáp trên bản đồ chỉ dùng "
                                                  "{ports} cổng.",
        "a_gpon": "quỹ suy hao GPON",
        "legend_both": "đạt cả hai chỉ tiêu", "legend_mobile": "thiếu sóng di động",
        "legend_ftth": "thiếu cáp quang", "legend_neither": "thiếu cả hai",
        "legend_extension": "tuyến cáp kéo thêm", "legend_site": "vị trí trạm đề xuất",
        "gaps": "Vùng lõm và giải pháp",
        "gap_mobile": "{name} ({hamlet_id}): 4G/5G phủ {share} số hộ (yêu cầu {rule}).",
        "gap_sites": "Vị trí trạm đề xuất (chọn tham lam, ưu tiên trạm hiện có):",
        "gap_ftth": "Cáp quang, {hamlet_id}: {length} từ {start}, thêm {added} hộ trong tầm; "
                    "đạt quy tắc: {meets}.",
        "no_road_path": "không có đường đi", "cable": "{metres} m cáp mới",
        "no_gaps": "Không thôn nào thiếu chỉ tiêu.",
        "sharing": "Dùng chung hạ tầng trạm BTS",
        "sharing_m5": "M5: {shared}/{towers} trạm hiện có{scope} dùng chung ({value}; tính cả "
                      "trạm quy hoạch {planned}; nếu thực hiện các đề xuất dưới đây "
                      "{realised}).",
        "scope_commune": " trong địa giới xã", "scope_hamlets": " trong địa bàn các thôn",
        "scope_all_towers": "",
        "sharing_outside": "{outside} trạm đứng ngoài địa bàn (của địa phương lân cận) không "
                           "tính vào M5; sóng của các trạm này vẫn được tính vào vùng phủ.",
        "inside_unit_a": "trạm trong xã", "inside_unit_b": "trạm kia trong xã",
        "no_sites_inside": "Không có vị trí nào trong địa bàn xã cải thiện vùng phủ; không đề "
                           "xuất vị trí ngoài xã.",
        "with_tower": "với trạm", "rank": "thứ tự", "lon": "kinh độ", "lat": "vĩ độ",
        "households_gained": "số hộ tăng thêm", "m4_after_col": "M4 sau",
        "inside_commune": "trong xã",
        "assumptions": "Giả định",
        "a_mobile": "phủ sóng di động", "a_pathloss": "suy hao truyền sóng",
        "a_terrain": "địa hình", "a_grid": "lưới tính", "a_losses": "suy hao thêm",
        "a_planned": "trạm quy hoạch", "a_ftth": "cáp quang FTTH", "a_data": "dữ liệu",
        # path-loss calibration (report assumptions, calibration.png)
        "a_calibration": "hiệu chỉnh mô hình theo số liệu đo",
        "calibration_applied": "suy hao của mô hình {offset:+.1f} dB {slope:+.1f} dB/decade × "
                               "log10(d / {ref:g} m){source}",
        "calibration_source": " (từ {file}, {n} điểm đo, RMSE {rmse:.1f} dB)",
        "not_calibrated": "không (mô hình chưa hiệu chỉnh theo số liệu đo)",
        "cal_before": "Trước hiệu chỉnh", "cal_after": "Sau hiệu chỉnh",
        "cal_measured": "Mức đo (dBm)", "cal_predicted": "Mức dự báo (dBm)",
        "cal_excess": "Suy hao dư = dự báo − đo (dB)",
        "cal_distance": "Khoảng cách tới trạm (m)", "cal_fit": "đường hiệu chỉnh",
        "cal_stats": "RMSE {rmse:.1f} dB, sai số TB {mean:+.1f} dB, n = {n}",
        "counted": "có tính", "not_counted": "không tính",
        "indoors": "trong nhà", "outdoors": "ngoài trời",
        "flat": "mặt đất phẳng",
    },
    "en": {
        "check_title": "Tower check: {operator} {technology} at {lon}, {lat}",
        "check_note": "Computed by coverage_gis with the scenario's models and thresholds; the "
                      "dashed circle is the sharing distance ({distance} m).",
        "verdict": "Verdict",
        "location": "Location", "where": "where", "lonlat": "lon, lat (WGS 84)",
        "xy": "x, y ({crs})",
        "inside_hamlet": "inside the commune, hamlet {hamlet_id} {hamlet_name}",
        "outside_hamlets": "{inside} the commune; nearest hamlet {hamlet_id} at {distance} m",
        "inside": "inside", "outside": "outside",
        "proposal": "Proposal",
        "towers": "Nearest towers and sharing",
        "tower": "tower", "distance": "distance", "operators": "operators",
        "status": "status", "technologies": "technologies",
        "gain": "Coverage gain (mobile broadband, 4G/5G)",
        "constraints": "Constraints",
        "kind": "kind", "name": "name", "minimum": "minimum", "result": "check",
        "ok": "ok", "too_close": "TOO CLOSE", "map": "Map", "proposed": "proposed",
        "yes": "yes", "no": "NO", "none": "none",
        "existing": "existing", "planned": "planned",
        "nearest_household": "nearest household",
        "record": "Record",
        "request_id": "request id", "applicant": "applicant",
        "checked_at": "checked at", "software_version": "software version",
        "input_point": "coordinates as typed", "input_crs": "CRS as typed",
        "input_options": "options as typed",
        "point_lonlat": "lon, lat ({crs})", "point_xy": "x, y ({crs})",
        "not_given": "not given",
        "rule": "rule", "rule_basis": "basis",
        "provenance_title": "Where the data comes from", "layer": "layer",
        "provenance_kind": "kind", "provenance_source": "source",
        "provenance_licence": "licence", "provenance_files": "files",
        "provenance_user": "the user's", "provenance_public": "public data",
        "provenance_default": "default", "provenance_sample": "illustrative sample",
        "units_title": "By administrative unit: the plan's commune and the ward since "
                       "1 July 2025",
        "unit_plan": "the plan's unit (before 2025)",
        "unit_current": "the unit now (since 1 July 2025)",
        "unit_hamlets": "hamlets in the data",
        "unit_area_share": "covering {share} of the unit's area",
        "units_note": "Each hamlet belongs to the unit holding most of its area; M5 counts "
                      "the towers on each unit's territory. Outlines:",
        "outline_commune_layer": "the scenario's commune layer",
        "outline_bundled_boundary": "the bundled 2025 boundary",
        "outline_hamlets": "the union of the hamlets (no public outline of the old unit)",
        "rf_exposure": "RF exposure (dwellings, public buildings)",
        "rf_limit": "under the limit (main-beam compliance distance {distance} m)",
        "no_place_near": "no dwelling or public building within {distance} m",
        "rules_note": "Only a broken regulation gives CONFLICT; a distance the commune chose "
                      "(a local setting) gives REVIEW. Exposure by the far-field formula "
                      "(ITU-T K.52, IEC 62232) at heights up to a fourth floor; measurement "
                      "under QCVN 8:2022/BTTTT decides.",
        "gain_there": "gain if installed on this tower",
        "sharing_circle": "sharing distance ({distance} m)",
        "rf_circle": "RF compliance distance along the main beam ({distance} m)",
        "basis": "basis", "households": "households", "area": "area",
        "households_newly_covered": "households newly covered",
        "households_newly_covered_by_operator": "households newly covered by the operator",
        "households_newly_covered_per_hamlet": "households newly covered per hamlet",
        "hamlets_newly_covered": "hamlets newly covered",
        "m4_before": "M4 before", "m4_after": "M4 after",
        "area_newly_covered_km2": "area newly covered (km²)",
        "operator": "operator", "technology": "technology", "band_mhz": "band (MHz)",
        "bandwidth_mhz": "bandwidth (MHz)", "height_m": "antenna height (m)",
        "eirp_dbm": "EIRP per sector (dBm)", "tilt_deg": "tilt (°)",
        "azimuths_deg": "azimuths (°)", "cells": "cells",
        "report_title": "Digital infrastructure plan: progress report, {scenario}",
        "report_note": "Computed by coverage_gis from the scenario's layers (year {year}). "
                       "Map-measured indicators (M4, M5, F2) come from the coverage, sharing and "
                       "fibre engines; the others from the statistics table. The interactive "
                       "map is in {map} beside this page.",
        "scorecard": "Scorecard", "indicator": "indicator", "target_2025": "2025 target",
        "met_latest": "met (latest)", "source": "source", "basis_latest": "basis (latest)",
        "hamlets": "Hamlets", "hamlet": "hamlet",
        "col_households": "households", "col_mobile_share": "4G/5G share",
        "col_mobile_covered": "mobile covered", "col_switch_off": "lose service at 2G/3G end",
        "col_ftth_share": "homes passed (FTTH)", "col_cultural": "cultural house reached",
        "col_ftth_covered": "FTTH covered",
        "col_ftth_connectable": "connectable now (free port)",
        "f1_total_only": "F1 counts all FTTH subscriptions (agencies and enterprises "
                         "included): the statistics give no household FTTH subscriptions "
                         "(household_ftth_subscriptions).",
        "f1_flag_subscriptions_above_homes_passed": "Data check: {subs} FTTH subscriptions but "
                                                    "only {passed} homes passed on the map.",
        "f1_flag_subscriptions_above_ports_used": "Data check: {subs} FTTH subscriptions but "
                                                  "the map's drop boxes use only {ports} "
                                                  "ports.",
        "a_gpon": "GPON budget",
        "legend_both": "both targets met", "legend_mobile": "short of mobile broadband",
        "legend_ftth": "short of FTTH", "legend_neither": "short of both",
        "legend_extension": "fibre extension", "legend_site": "suggested site",
        "gaps": "Gaps and what closes them",
        "gap_mobile": "{name} ({hamlet_id}): 4G/5G reaches {share} of households (rule: "
                      "{rule}).",
        "gap_sites": "Suggested sites (greedy, existing towers first):",
        "gap_ftth": "FTTH, {hamlet_id}: {length} from {start}, +{added} homes passed; meets "
                    "the rule: {meets}.",
        "no_road_path": "no road path", "cable": "{metres} m of new cable",
        "no_gaps": "No hamlet is short of a target.",
        "sharing": "Tower sharing",
        "sharing_m5": "M5: {shared}/{towers} existing towers{scope} shared ({value}; with "
                      "planned towers {planned}; if the candidates below were realised "
                      "{realised}).",
        "scope_commune": " inside the commune boundary",
        "scope_hamlets": " inside the hamlets (no commune boundary)", "scope_all_towers": "",
        "sharing_outside": "{outside} tower(s) standing outside the unit (neighbours') are not "
                           "counted in M5; their cells still count for coverage.",
        "inside_unit_a": "tower inside the unit", "inside_unit_b": "other tower inside the unit",
        "no_sites_inside": "No site inside the unit improves coverage; sites outside it are "
                           "not proposed.",
        "with_tower": "with tower", "rank": "rank", "lon": "lon", "lat": "lat",
        "households_gained": "households gained", "m4_after_col": "M4 after",
        "inside_commune": "inside the commune",
        "assumptions": "Assumptions",
        "a_mobile": "mobile covered", "a_pathloss": "path loss", "a_terrain": "terrain",
        "a_grid": "grid", "a_losses": "losses", "a_planned": "planned cells",
        "a_ftth": "FTTH", "a_data": "data",
        # path-loss calibration (report assumptions, calibration.png)
        "a_calibration": "calibration to measurements",
        "calibration_applied": "the model's loss {offset:+.1f} dB {slope:+.1f} dB/decade × "
                               "log10(d / {ref:g} m){source}",
        "calibration_source": " (from {file}, {n} measurements, RMSE {rmse:.1f} dB)",
        "not_calibrated": "none (the model is not calibrated to measurements)",
        "cal_before": "Before calibration", "cal_after": "After calibration",
        "cal_measured": "Measured (dBm)", "cal_predicted": "Predicted (dBm)",
        "cal_excess": "Excess loss = predicted − measured (dB)",
        "cal_distance": "Distance to the cell (m)", "cal_fit": "fitted correction",
        "cal_stats": "RMSE {rmse:.1f} dB, mean error {mean:+.1f} dB, n = {n}",
        "counted": "counted", "not_counted": "not counted",
        "indoors": "indoors", "outdoors": "outdoors", "flat": "flat ground",
    },
}

_VERDICTS = {
    "vi": {"ok": "ĐẠT: không vướng quy định hay tiêu chí nào",
           "share-instead": "NÊN DÙNG CHUNG trạm hiện có",
           "review": "CẦN XEM XÉT: chưa đạt tiêu chí do địa phương đặt (không phải quy định)",
           "conflict": "VI PHẠM QUY ĐỊNH",
           "outside-unit": "NGOÀI ĐỊA GIỚI XÃ: kiểm tra lại tọa độ và hệ tọa độ"},
    "en": {"ok": "ok", "share-instead": "share-instead", "review": "review",
           "conflict": "conflict", "outside-unit": "outside-unit"},
}

_KINDS = {
    "vi": {"school": "trường học", "kindergarten": "trường mầm non",
           "health_station": "trạm y tế", "heritage": "di tích",
           "cultural_house": "nhà văn hóa", "commune_office": "trụ sở UBND xã",
           "dwelling": "nhà dân"},
    "en": {},
}

_REASONS = {
    "too_close": {
        "en": "{kind} {name} is {distance_m:.0f} m away; {source} requires at least "
              "{min_distance_m:g} m",
        "vi": "{kind} {name} chỉ cách {distance_m:.0f} m; {source} quy định tối thiểu "
              "{min_distance_m:g} m"},
    "local_distance": {
        "en": "{kind} {name} is {distance_m:.0f} m away, under the {min_distance_m:g} m the "
              "commune set (a local setting, not a regulation: for review)",
        "vi": "{kind} {name} chỉ cách {distance_m:.0f} m, dưới mức {min_distance_m:g} m do "
              "địa phương đặt (tiêu chí địa phương, không phải quy định: cần xem xét)"},
    "dwelling_too_close": {
        "en": "a dwelling ({name}) is {distance_m:.0f} m away, under the {min_distance_m:g} m "
              "the commune set (a local setting, not a regulation: for review)",
        "vi": "nhà dân ({name}) chỉ cách {distance_m:.0f} m, dưới mức {min_distance_m:g} m do "
              "địa phương đặt (tiêu chí địa phương, không phải quy định: cần xem xét)"},
    "exposure_exceeded": {
        "en": "RF exposure at {kind} {name} ({distance_m:.0f} m away, {height_m:g} m above "
              "ground) would reach {ratio:.0%} of the limit of {regulation} (computed "
              "estimate; measurement decides)",
        "vi": "phơi nhiễm trường điện từ tại {kind} {name} (cách {distance_m:.0f} m, độ cao "
              "{height_m:g} m) ước tính bằng {ratio:.0%} giới hạn của {regulation} (giá trị "
              "tính toán; kết quả đo kiểm là căn cứ cuối cùng)"},
    "share_tower": {
        "en": "{operator} could install on tower {tower_id} ({operators}) {distance_m:.0f} m "
              "away instead of building a new tower: the same cells there cover "
              "{gain_there:g} new {basis_word} against {gain_here:g} at the proposed point",
        "vi": "{operator} có thể lắp đặt trên trạm {tower_id} ({operators}) cách "
              "{distance_m:.0f} m thay vì xây trạm mới: cùng thiết bị đặt tại đó phủ thêm "
              "{gain_there:g} {basis_word}, so với {gain_here:g} tại vị trí đề xuất"},
    "own_tower": {
        "en": "{operator} already has tower {tower_id} {distance_m:.0f} m away: add the cells "
              "there (they cover {gain_there:g} new {basis_word} there against {gain_here:g} "
              "at the proposed point)",
        "vi": "{operator} đã có trạm {tower_id} cách {distance_m:.0f} m: nên lắp thêm thiết bị "
              "tại đó (phủ thêm {gain_there:g} {basis_word}, so với {gain_here:g} tại vị trí "
              "đề xuất)"},
    "share_loses_gain": {
        "en": "sharing tower {tower_id} ({distance_m:.0f} m away) would cover only "
              "{gain_there:g} new {basis_word} against {gain_here:g} at the proposed point "
              "(under {min_share:.0%}): a new tower is justified",
        "vi": "dùng chung trạm {tower_id} (cách {distance_m:.0f} m) chỉ phủ thêm "
              "{gain_there:g} {basis_word}, so với {gain_here:g} tại vị trí đề xuất (dưới "
              "{min_share:.0%}): xây trạm mới là hợp lý"},
    "new_tower": {
        "en": "no existing tower within {max_distance_m:g} m: a new tower is needed",
        "vi": "không có trạm hiện có trong bán kính {max_distance_m:g} m: cần xây trạm mới"},
    "outside_commune": {
        "en": "the point is outside the commune (the commune may not be the authority for it)",
        "vi": "vị trí nằm ngoài địa giới xã (có thể không thuộc thẩm quyền của xã)"},
    "other_crs": {
        "en": "the coordinates were given in {crs}; read in {preset} they would lie inside "
              "the commune: check the CRS (--crs {preset}?)",
        "vi": "tọa độ được nhập theo hệ {crs}; nếu đọc theo hệ {preset} thì vị trí nằm trong "
              "xã: kiểm tra lại hệ tọa độ (--crs {preset}?)"},
    "no_gain": {
        "en": "it covers no household that is not already covered by 4G/5G",
        "vi": "trạm không phủ thêm hộ nào chưa có sóng 4G/5G"},
    "brings_hamlets": {
        "en": "it brings hamlet(s) {hamlets} to the mobile broadband target",
        "vi": "trạm giúp thôn {hamlets} đạt chỉ tiêu phủ sóng băng rộng di động"},
}


#: The unit of a sharing comparison's gain.
_BASIS_WORDS = {"vi": {"households": "hộ", "area_km2": "km²"},
                "en": {"households": "households", "area_km2": "km²"}}

#: Where a check's rule comes from.
_RULE_BASES = {"vi": {"regulation": "quy định", "local-setting": "tiêu chí địa phương"},
               "en": {"regulation": "regulation", "local-setting": "local setting"}}


#: What a study left out, and why (codes of ``coverage_gis.pipeline.SKIPPED``): summary.json
#: (English), report.html and the terminal. ``title`` heads the report's section.
_SKIPPED: dict[str, dict[str, str]] = {
    "title": {"vi": "Phần không tính và lý do", "en": "Not computed, and why"},
    "hamlets:unit_as_one_area": {
        "vi": "Chưa có ranh giới thôn, tổ dân phố: cả đơn vị hành chính được tính như một "
              "khu vực; các chỉ tiêu theo thôn (M4, F2) tính cho cả đơn vị. Thêm ranh giới "
              "thôn vào kịch bản: [layers] hamlets = \"...\".",
        "en": "No hamlets layer: the whole unit is analysed as one area; the per-hamlet "
              "indicators (M4, F2) count it as one hamlet. Add the hamlet boundaries to the "
              "scenario: [layers] hamlets = \"...\"."},
    "coverage:no_sites": {
        "vi": "Không có lớp trạm BTS (sites): không tính vùng phủ sóng di động và chỉ tiêu M4.",
        "en": "No sites layer: mobile coverage and M4 were not computed."},
    "sharing:no_sites": {
        "vi": "Không có lớp trạm BTS: không tính tỷ lệ dùng chung hạ tầng trạm (M5).",
        "en": "No sites layer: tower sharing (M5) was not computed."},
    "suggestions:no_sites": {
        "vi": "Không có lớp trạm BTS: không đề xuất vị trí trạm mới.",
        "en": "No sites layer: no new sites were suggested."},
    "fibre:no_fibre_layers": {
        "vi": "Không có tuyến cáp quang hay hộp cáp (fibre, access_points): không tính phạm "
              "vi phủ cáp quang FTTH và chỉ tiêu F2.",
        "en": "Neither fibre routes nor access points (fibre, access_points): FTTH reach and "
              "F2 were not computed."},
    "fibre:no_households": {
        "vi": "Không có lớp hộ dân (households): không tính số hộ trong tầm cáp quang và chỉ "
              "tiêu F2.",
        "en": "No households layer: homes passed by fibre and F2 were not computed."},
    "suggestions:no_households": {
        "vi": "Không có lớp hộ dân: không đề xuất vị trí trạm mới cho các thôn thiếu sóng "
              "(việc đề xuất đếm số hộ được phủ thêm).",
        "en": "No households layer: no sites were suggested for the hamlets short of mobile "
              "broadband (suggestions count the households they would cover)."},
    "suggestions:not_requested": {
        "vi": "Không yêu cầu đề xuất vị trí trạm mới.",
        "en": "Site suggestions were not requested."},
    "terrain:no_dem": {
        "vi": "Không có mô hình số độ cao (DEM): vùng phủ sóng tính trên mặt đất phẳng.",
        "en": "No DEM: coverage was computed on flat ground."},
    "statistics:no_statistics": {
        "vi": "Không có bảng số liệu thống kê: các chỉ tiêu tính theo thống kê (như F1) "
              "không tính.",
        "en": "No statistics table: the indicators from statistics (such as F1) were not "
              "computed."},
}


def skipped_text(part: str, reason: str, lang: str = "vi") -> str:
    """What a study left out and why, in words (``part="title"`` for the heading)."""
    key = "title" if part == "title" else f"{part}:{reason}"
    return _SKIPPED[key][_lang(lang)]


def basis_name(basis: str, lang: str = "vi") -> str:
    """A rule's basis in words (``regulation`` → ``quy định``)."""
    return _RULE_BASES[_lang(lang)].get(basis, basis)


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def words(lang: str = "vi") -> dict[str, str]:
    """The page words in ``lang`` ("vi" or "en")."""
    return _WORDS[_lang(lang)]


def kind_name(kind: str, lang: str = "vi") -> str:
    """A constraint kind in words (``school`` → ``trường học``)."""
    return _KINDS[_lang(lang)].get(kind, str(kind).replace("_", " "))


def verdict_name(verdict: str, lang: str = "vi") -> str:
    return _VERDICTS[_lang(lang)].get(verdict, verdict)


def reason_text(code: str, params: dict[str, Any], lang: str = "vi") -> str:
    """One reason of a tower check in words."""
    p = dict(params)
    if "kind" in p:
        p["kind"] = kind_name(p["kind"], lang)
    if isinstance(p.get("hamlets"), (list, tuple)):
        p["hamlets"] = ", ".join(p["hamlets"])
    if "basis" in p:
        p["basis_word"] = _BASIS_WORDS[_lang(lang)].get(p["basis"], p["basis"])
    if p.get("name") is None:
        p["name"] = ""
    return _REASONS[code][_lang(lang)].format(**p)
