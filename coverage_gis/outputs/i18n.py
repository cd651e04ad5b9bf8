"""Words of the printable pages (check.html, report.html) in Vietnamese and English.

Vietnamese is the default: the pages are read by commune officers. Machine-readable outputs
(JSON, CSV) stay in English, with codes (``reason_codes``) from which any language renders.
"""

from __future__ import annotations

import math
import numbers
import re
import string
from collections.abc import Mapping
from typing import Any

from coverage_gis.errors import InputError

__all__ = ["LANGS", "words", "reason_text", "kind_name", "verdict_name", "basis_name",
           "skipped_text", "web_words", "column_title", "number_text", "percent_text",
           "distance_text", "localised"]

LANGS = ("vi", "en")

_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "check_title": "Kiểm tra vị trí trạm BTS đề xuất: {operator} {technology} tại {lon}, {lat}",
        "check_note": "Tính bằng coverage_gis với mô hình và ngưỡng của kịch bản; vòng tròn nét "
                      "đứt: bán kính xét dùng chung ({distance} m).",
        "verdict": "Kết luận",
        "location": "Vị trí", "where": "thuộc", "lonlat": "kinh độ, vĩ độ (WGS 84)",
        "xy": "x, y ({crs})",
        "inside_hamlet": "{inside} xã, thôn {hamlet_id} {hamlet_name}",
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
        "units_title": "Theo đơn vị hành chính: {units}",
        "units_title_plan": "đơn vị của kế hoạch",
        "units_title_current": "đơn vị từ 01/07/2025",
        "units_title_and": " và ",
        "unit_plan": "đơn vị của kế hoạch (trước 2025)",
        "unit_current": "đơn vị hiện nay (từ 01/07/2025)",
        "unit_unit": "đơn vị cấp xã của tỉnh (từ 01/07/2025)",
        "province_units_title": "Theo đơn vị hành chính cấp xã của tỉnh (từ 01/07/2025)",
        "province_total": "toàn tỉnh",
        "unit_code": "mã", "unit_name": "đơn vị", "unit_hamlet_count": "số thôn",
        "province_units_note": "Mỗi thôn được tính vào đơn vị chứa phần lớn diện tích của "
                               "thôn đó, mỗi trạm chỉ thuộc một đơn vị, nên tổng các đơn vị bằng "
                               "toàn tỉnh. Bản đồ và báo cáo chi tiết của một đơn vị: "
                               "coverage-gis report THƯ_MỤC --unit MÃ --out THƯ_MỤC_MỚI.",
        "unit_hamlets": "thôn trong dữ liệu",
        "unit_area_share": "chiếm {share} diện tích đơn vị",
        "units_note": "Mỗi thôn được tính vào đơn vị chứa phần lớn diện tích của thôn đó; M5 "
                      "tính các trạm "
                      "nằm trên địa bàn từng đơn vị. Ranh giới:",
        "outline_commune_layer": "lớp ranh giới xã của kịch bản",
        "outline_bundled_boundary": "ranh giới 2025 kèm theo phần mềm",
        "outline_hamlets": "ghép ranh giới các thôn (không có ranh giới công khai của đơn vị cũ)",
        "rf_exposure": "phơi nhiễm trường điện từ (nhà dân, công trình công cộng)",
        "rf_limit": "dưới giới hạn (cách ăng-ten theo hướng búp sóng chính ≥ {distance} m)",
        "no_place_near": "không có nhà dân hay công trình công cộng trong {distance} m",
        "rf_band_outside": "cell {cells} ({bands} MHz) nằm ngoài dải {low} đến {high} MHz của "
                           "giới hạn: không kiểm tra",
        "band_not_covered": "NGOÀI DẢI TẦN",
        "basis_default_cited": "{source} được dẫn nhưng không ghi khoảng cách",
        "set_by_scenario": "kịch bản đặt ([check] min_distance_m)",
        "set_by_tool-default": "mặc định phần mềm, chưa được chọn",
        "rf_assumed_height": "VƯỢT Ở ĐỘ CAO GIẢ ĐỊNH",
        "sharing_basis": "Căn cứ: tiêu chí địa phương, không phải quy định (bán kính xét "
                         "{distance} m do kịch bản hoặc mặc định của phần mềm đặt; nên dùng "
                         "chung khi trạm hiện có phủ sóng mới cho nhà mạng đề nghị ít nhất "
                         "{share} số hộ so với vị trí đề xuất, và giúp các thôn đó đạt chỉ "
                         "tiêu).",
        "rules_note": "Chỉ vi phạm quy định mới dẫn tới kết luận VI PHẠM QUY ĐỊNH; khoảng cách là"
                      " tiêu chí địa phương (do lớp công trình cần bảo vệ hoặc kịch bản đặt, nếu "
                      "không thì theo mặc định của phần mềm) dẫn tới CẦN XEM XÉT. Phơi nhiễm được"
                      " tính theo công thức trường xa (ITU-T K.52, IEC 62232) ở mặt đất và, theo "
                      "giả định, ở các tầng trên đến tầng 4 (nếu chỉ vượt ở tầng giả định: CẦN "
                      "XEM XÉT); kết quả đo kiểm theo QCVN 8:2022/BTTTT là căn cứ cuối cùng.",
        "aviation_rule": "đánh dấu chướng ngại vật hàng không (chiều cao cột)",
        "mast_height": "cột cao {height} m",
        "aviation_from": "áp dụng từ {height} m",
        "aviation_review": "CẦN XEM XÉT",
        "more_constraints": "Còn {n} công trình cần bảo vệ khác, cách từ {distance} m "
                            "trở lên, đều đạt khoảng cách tối thiểu (đầy đủ trong check.json).",
        "gain_there": "phủ thêm tại trạm: nhà mạng (mới có 4G/5G)",
        "sharing_circle": "bán kính xét dùng chung hạ tầng ({distance} m)",
        "rf_circle": "khoảng cách tuân thủ phơi nhiễm trên hướng búp sóng chính ({distance} m)",
        # coverage gain keys
        "basis": "cơ sở tính", "households": "hộ gia đình", "area": "diện tích",
        "households_newly_covered": "số hộ được phủ sóng mới",
        "households_newly_covered_by_operator": "số hộ mới có sóng của nhà mạng này",
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
        "report_made": "Phân tích lúc {when}, phần mềm coverage-gis phiên bản {version}.",
        "report_note": "Tính bằng coverage_gis từ các lớp dữ liệu của kịch bản (năm {year}). "
                       "Chỉ tiêu đo trên bản đồ (M4, M5, F2) lấy từ các mô-đun vùng phủ, dùng "
                       "chung hạ tầng và cáp quang; các chỉ tiêu khác lấy từ bảng thống kê. Bản "
                       "đồ tương tác ở tệp {map} bên cạnh.",
        "scorecard": "Bảng chỉ tiêu", "indicator": "chỉ tiêu", "target_2025": "chỉ tiêu 2025",
        "targets_from": "Chỉ tiêu 2025 theo",
        "met_latest": "đạt (năm mới nhất)", "source": "nguồn", "basis_latest": "cách tính",
        "met_year": "đạt (năm {year})",
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
        "legend_both": "đạt cả hai chỉ tiêu",
        "legend_mobile": "chưa đạt chỉ tiêu băng rộng di động",
        "legend_ftth": "chưa đạt chỉ tiêu cáp quang", "legend_neither": "chưa đạt cả hai chỉ tiêu",
        "legend_not_measured": "chưa đo được (dữ liệu không có hộ nào của thôn)",
        "legend_mobile_met_only": "đạt chỉ tiêu sóng di động (cáp quang không tính)",
        "legend_ftth_met_only": "đạt chỉ tiêu cáp quang (sóng di động không tính)",
        "legend_extension": "tuyến cáp kéo thêm", "legend_site": "vị trí trạm đề xuất",
        "legend_tower": "trạm BTS {operator}", "legend_tower_shared": "trạm dùng chung",
        "legend_tower_planned": "trạm quy hoạch (trắng, viền nét đứt, màu nhà mạng ở giữa)",
        "legend_numbered": "Trạm ghi bằng số trên bản đồ (không đủ chỗ ghi tên):",
        "legend_left_out": "{n} trạm không đủ chỗ ghi nhãn, kể cả số (xem towers.csv).",
        "legend_constraint": "địa điểm cần lưu ý (trường học, di tích...)",
        "gaps": "Vùng lõm và giải pháp",
        "gap_mobile": "{name} ({hamlet_id}): 4G/5G phủ {share} {of_what} (yêu cầu {rule}).",
        "of_households": "số hộ", "of_area": "diện tích",
        "gap_sites": "Vị trí trạm đề xuất (lần lượt chọn vị trí phủ sóng thêm được nhiều hộ "
                     "nhất, ưu tiên trạm hiện có):",
        "gap_ftth": "Cáp quang, {hamlet_id}: {length}{start}, thêm {added} hộ trong tầm; "
                    "đạt quy tắc: {meets}.",
        "no_road_path": "không có đường đi", "from_start": " từ {start}",
        "cable": "{metres} m cáp mới",
        "no_gaps": "Không có thôn nào chưa đạt chỉ tiêu.",
        "sharing": "Dùng chung hạ tầng trạm BTS",
        "sharing_m5": "M5: {shared}/{towers} trạm hiện có{scope} dùng chung ({value}; tính cả "
                      "trạm quy hoạch {planned}; nếu thực hiện các đề xuất dưới đây "
                      "{realised}).",
        "scope_commune": " trong địa giới xã",
        "scope_hamlets": " trong địa bàn các thôn (không có ranh giới xã)",
        "scope_unit": " trong địa giới đơn vị (2025)",
        "scope_province": " trên địa bàn các đơn vị của tỉnh (ranh giới 2025)",
        "scope_all_towers": "",
        "sharing_outside": "{outside} trạm (hiện có hoặc quy hoạch) đứng ngoài địa bàn (của "
                           "địa phương lân cận) không tính vào M5; sóng của các trạm này vẫn "
                           "được tính vào vùng phủ.",
        "inside_unit_a": "trạm thứ nhất trong địa bàn",
        "inside_unit_b": "trạm thứ hai trong địa bàn",
        "no_sites_inside": "Không có vị trí nào trong địa bàn xã cải thiện vùng phủ; không đề "
                           "xuất vị trí ngoài xã.",
        "with_tower": "với trạm", "rank": "thứ tự", "lon": "kinh độ", "lat": "vĩ độ",
        "households_gained": "số hộ tăng thêm", "m4_after_col": "M4 sau",
        "inside_commune": "trong địa giới đơn vị",
        "assumptions": "Giả định",
        "a_mobile": "phủ sóng di động", "a_pathloss": "suy hao truyền sóng",
        "a_terrain": "địa hình", "a_grid": "lưới tính", "a_losses": "suy hao thêm",
        "a_planned": "trạm quy hoạch", "a_planned_fibre": "tuyến cáp, hộp cáp quy hoạch",
        "a_ftth": "cáp quang FTTH", "a_data": "dữ liệu",
        "a_validity": "phạm vi áp dụng của mô hình",
        "n_cells": "{n} cell",
        "above_3ghz": "trên 3000 MHz (ngoài phạm vi định nghĩa của mô hình): giả định của phần "
                      "mềm, lấy giá trị tại 3000 MHz cộng {slope:g}·log10(f/3000) dB (thiết lập "
                      "của phần mềm)",
        "hata_seam": "{lo:g}-{hi:g} MHz: chuyển tiếp tuyến tính theo log f giữa Hata và "
                     "COST-231 (thiết lập của phần mềm)",
        "validity_ok": "mọi cell trong phạm vi áp dụng của mô hình (băng tần, độ cao ăng-ten, "
                       "độ cao máy thu, bán kính)",
        "validity_some": "{n}/{total} cell dùng mô hình ngoài phạm vi áp dụng (xem "
                         "cells.csv): {list}",
        "validity_inside": "trong phạm vi áp dụng",
        "validity_frequency_below_range": "tần số dưới phạm vi",
        "validity_frequency_above_range": "tần số trên phạm vi",
        "validity_height_below_range": "ăng-ten thấp hơn phạm vi",
        "validity_height_above_range": "ăng-ten cao hơn phạm vi",
        "validity_ue_height_below_range": "máy thu thấp hơn phạm vi",
        "validity_ue_height_above_range": "máy thu cao hơn phạm vi",
        "validity_distance_below_range": "bán kính dưới phạm vi",
        "validity_distance_above_range": "bán kính trên phạm vi",
        # path-loss calibration (report assumptions, calibration.png)
        "a_calibration": "hiệu chỉnh mô hình theo số liệu đo",
        "calibration_applied": "suy hao của mô hình {offset} dB {slope} dB/decade × "
                               "log10(d / {ref:g} m){source}",
        "calibration_source": " (từ {file}, {n} điểm đo, RMSE {rmse} dB)",
        "not_calibrated": "không (mô hình chưa hiệu chỉnh theo số liệu đo)",
        "calibration_classes": "; suy hao thêm theo lớp phủ đất {offsets}",
        "calibration_classes_only": "chỉ suy hao thêm theo lớp phủ đất: {offsets}",
        "cal_before": "Trước hiệu chỉnh", "cal_after": "Sau hiệu chỉnh",
        "cal_measured": "Mức đo (dBm)", "cal_predicted": "Mức dự báo (dBm)",
        "cal_excess": "Suy hao dư = dự báo − đo (dB)",
        "cal_distance": "Khoảng cách tới trạm (m)", "cal_fit": "đường hiệu chỉnh",
        "cal_stats": "RMSE {rmse:.1f} dB, sai số TB {mean:+.1f} dB, n = {n}",
        "counted": "có tính", "not_counted": "không tính",
        "indoors": "trong nhà", "outdoors": "ngoài trời",
        "flat": "mặt đất phẳng",
        # coverage probability, indoor loss, clutter (report assumptions)
        "a_probability": "xác suất phủ sóng",
        "probability_text": "ô lưới có sóng khi mức thu đạt ngưỡng với xác suất theo vị trí "
                            "≥ {p:.0%} (pha-đinh che khuất log-normal, σ = {sigma}; dự phòng "
                            "{margin}; xác suất của trạm phục vụ tốt nhất)",
        "a_indoor": "suy hao vào nhà",
        "indoor_p2109": "ITU-R P.2109-2, nhà {building}, giá trị không vượt quá với xác suất "
                        "{p:.0%}, theo tần số và góc ngẩng ({examples})",
        "indoor_flat": "{loss:g} dB ở mọi tần số (giá trị cố định của kịch bản)",
        "indoor_spread_in_sigma": "; độ phân tán của suy hao giữa các ngôi nhà được cộng vào σ "
                                  "(σ = √(σ ngoài trời² + σ suy hao²))",
        "building_traditional": "truyền thống",
        "building_thermally_efficient": "tiết kiệm năng lượng (kính phủ kim loại)",
        "a_clutter": "lớp phủ mặt đất (clutter)",
        "clutter_none": "không (không có lớp phủ mặt đất)",
        "clutter_text": "{file}: suy hao thêm tại điểm thu theo lớp {losses}; môi trường "
                        "theo từng ô: {per_pixel}",
        "per_pixel_yes": "có", "per_pixel_no": "không",
        # the printed report (issue 14): page numbers, codes and columns in words
        "page": "Trang", "id": "mã", "none_word": "không có", "north": "B",
        "source_statistics": "thống kê", "source_map": "bản đồ",
        "source_map (homes passed, for context)": "bản đồ (hộ trong tầm cáp quang, để tham "
                                                  "khảo)",
        "stat_mobile_broadband_subscriptions": "thuê bao băng rộng di động",
        "stat_population": "dân số", "stat_smartphone_subscriptions": "thuê bao dùng điện "
                                                                      "thoại thông minh",
        "stat_mobile_subscriptions": "thuê bao di động",
        "stat_adults_with_smartphone": "người trưởng thành có điện thoại thông minh",
        "stat_adults": "người trưởng thành", "stat_ftth_subscriptions": "thuê bao FTTH",
        "stat_household_ftth_subscriptions": "thuê bao FTTH hộ gia đình",
        "stat_households": "hộ gia đình",
        "stat_state_agencies_on_digital_platforms": "cơ quan nhà nước dùng nền tảng số",
        "stat_state_agencies": "cơ quan nhà nước",
        "stat_enterprises_on_digital_platforms": "doanh nghiệp dùng nền tảng số",
        "stat_enterprises": "doanh nghiệp",
        "basis_count": "{name} = {value}", "basis_missing": "thiếu {name}",
        "basis_total_only": "tính từ tổng số thuê bao FTTH (gồm cả cơ quan, doanh nghiệp)",
        "basis_no_statistics": "không có bảng thống kê",
        "basis_statistics_not_per_unit": "bảng thống kê là của cả tỉnh, không chia theo đơn vị",
        "basis_not_computed": "không tính (kịch bản thiếu lớp dữ liệu)",
        "basis_no_hamlets": "dữ liệu không có thôn nào của đơn vị (0/0)",
        "basis_no_towers": "dữ liệu không có trạm hiện có nào trong đơn vị (0/0)",
        "basis_no_households": "dữ liệu không có hộ gia đình nào trong {n} thôn của đơn vị: "
                               "chưa đo được (0/0)",
        "unmeasured_hamlets": "; {n} thôn không có hộ gia đình trong dữ liệu, không được tính "
                              "({ids})",
        "unmeasured_short": "{n} thôn chưa đo được",
        "basis_homes_passed": "{passed} hộ trong tầm cáp quang / {households} hộ trên bản đồ",
        "basis_sharing": "{shared}/{total} {unit}{where}; {method}",
        "approximate_towers": "; {n} vị trí trạm được ước tính từ dữ liệu do điện thoại gửi về "
                              "(OpenCelliD, mỗi nhà mạng, mỗi công nghệ một vị trí): một trạm "
                              "dùng chung bị tách thành nhiều trạm riêng, nên không đánh giá "
                              "được M5; đề nghị các nhà mạng cung cấp danh sách trạm",
        "basis_hamlets": "{covered}/{hamlets} thôn; {rule}",
        "unit_towers": "trạm", "unit_installations": "lượt lắp đặt",
        "where_inside_unit": " trong địa bàn",
        "method_towers": "trạm có từ 2 nhà mạng trở lên / tổng số trạm",
        "method_installations": "lượt lắp đặt của nhà mạng trên trạm dùng chung / tổng số "
                                "lượt lắp đặt",
        "rule_mobile": "ít nhất {share} {of_what} có 4G hoặc 5G từ {t4}/{t5} dBm trở lên, "
                       "{where}{at}",
        "rule_probability": ", với xác suất theo vị trí ít nhất {p}",
        "rule_planned": "; TÍNH CẢ CÁC CELL QUY HOẠCH chưa phát sóng (include_planned)",
        "basis_area_km2": "theo diện tích",
        "kind_share-instead-of-build": "dùng chung thay vì xây trạm mới",
        "kind_consolidate": "gộp về một trạm",
        "kind_share existing tower": "dùng chung trạm hiện có", "kind_new site": "trạm mới",
        "unit_per 100": "trên 100 dân", "unit_ratio": "tỷ lệ",
        "households_basis_household points": "đếm điểm hộ trên bản đồ",
        "households_basis_hamlet attribute": "số hộ ghi trong lớp thôn",
        "households_basis_none": "không có số hộ", "operator_any": "mọi nhà mạng",
        "proposal_omni": "một cell vô hướng",
        "layer_hamlets": "thôn", "layer_commune": "ranh giới xã", "layer_sites": "trạm BTS",
        "layer_fibre": "tuyến cáp quang", "layer_access_points": "hộp cáp, bộ chia",
        "layer_households": "hộ gia đình", "layer_roads": "đường giao thông",
        "layer_railway": "đường sắt", "layer_constraints": "công trình cần bảo vệ",
        "layer_urban_areas": "khu đô thị", "layer_landuse": "sử dụng đất",
        "layer_dem": "mô hình số độ cao (DEM)", "layer_landcover": "lớp phủ mặt đất",
        "layer_statistics": "số liệu thống kê",
        "default_dem": "mặt đất phẳng (không có DEM)",
        "default_hamlets": "cả đơn vị là một khu vực (không có ranh giới thôn)",
        "environment": "môi trường", "model": "mô hình",
        "model_validity": "phạm vi áp dụng của mô hình",
        "env_rural": "nông thôn", "env_suburban": "ven đô", "env_urban": "đô thị",
        "env_open": "vùng trống", "env_los": "nhìn thẳng (LOS)",
        "env_nlos": "bị che (NLOS)", "free_space": "không gian tự do",
        "terrain_far": "ngoài bán kính ngưỡng của mỗi cell (chỉ hiển thị mức yếu), địa hình lấy "
                       "mẫu mỗi {step:g} m",
        "terrain_delta_bullington": "Delta-Bullington", "terrain_single": "một vật chắn",
        "terrain_deygout": "Deygout",
        "body_loss": "cơ thể người {loss:g} dB",
        "ftth_text": "hộ trong tầm cáp quang: dây thuê bao ≤ {drop:g} m theo đường (đường chim "
                     "bay × {detour} khi không có đường), không xét cổng; đấu nối được ngay: "
                     "hộp còn cổng trống; hộp chia cấp cho hộp cáp, không cấp cho hộ; quy "
                     "tắc: {rule} (≥ {share:.0%})",
        "ftth_rule_cultural_house": "nhà văn hóa có cáp", "ftth_rule_share": "tỷ lệ hộ",
        "rule_basis_default": "tỷ lệ là tiêu chí địa phương: mặc định của phần mềm, chưa được "
                              "địa phương chọn ([{table}] hamlet_share), không có căn cứ quy "
                              "định",
        "rule_basis_set": "tỷ lệ là tiêu chí địa phương, đặt cho nghiên cứu này ([{table}] "
                          "hamlet_share), không phải quy định",
        # report.xlsx, results.kmz, QGIS styles
        "true": "có", "false": "không",
        "kmz_hamlets": "Thôn (kết quả)", "kmz_cells": "Cell theo nhà mạng",
        "kmz_towers": "Trạm BTS", "kmz_sharing": "Đề xuất dùng chung hạ tầng",
        "kmz_suggested": "Vị trí trạm đề xuất", "kmz_fibre_routes": "Tuyến cáp quang",
        "kmz_extensions": "Tuyến cáp quang cần kéo thêm",
        "kmz_coverage": "Vùng phủ sóng 4G/5G (mức thu của trạm tốt nhất)",
        "level_class_ge": "≥ {dbm} dBm", "level_class_between": "{low} … {high} dBm",
        "level_class_lt": "< {dbm} dBm",
        "level_not_counted": "không được tính là có sóng (< {dbm} dBm, hoặc dưới ngưỡng cộng "
                             "dự phòng che khuất)",
        "covered_yes": "có sóng", "covered_no": "chưa có sóng",
        "probability_class": "xác suất {low} … {high}",
    },
    "en": {
        "check_title": "Tower check: {operator} {technology} at {lon}, {lat}",
        "check_note": "Computed by coverage_gis with the scenario's models and thresholds; the "
                      "dashed circle is the sharing distance ({distance} m).",
        "verdict": "Verdict",
        "location": "Location", "where": "where", "lonlat": "lon, lat (WGS 84)",
        "xy": "x, y ({crs})",
        "inside_hamlet": "{inside} the commune, hamlet {hamlet_id} {hamlet_name}",
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
        "units_title": "By administrative unit: {units}",
        "units_title_plan": "the plan's unit",
        "units_title_current": "the unit since 1 July 2025",
        "units_title_and": " and ",
        "unit_plan": "the plan's unit (before 2025)",
        "unit_current": "the unit now (since 1 July 2025)",
        "unit_unit": "a commune-level unit of the province (since 1 July 2025)",
        "province_units_title": "By commune-level unit of the province (since 1 July 2025)",
        "province_total": "whole province",
        "unit_code": "code", "unit_name": "unit", "unit_hamlet_count": "hamlets",
        "province_units_note": "Each hamlet belongs to the unit holding most of its area "
                               "and each tower to one unit only, so the units add up to "
                               "the province. One unit's detailed map and report: "
                               "coverage-gis report FOLDER --unit CODE --out NEW_FOLDER.",
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
        "rf_band_outside": "cell(s) {cells} ({bands} MHz) outside the limit's {low} to {high} "
                           "MHz: not checked",
        "band_not_covered": "NOT COVERED",
        "basis_default_cited": "{source} is cited without a distance",
        "set_by_scenario": "set in the scenario ([check] min_distance_m)",
        "set_by_tool-default": "this tool's default, which no one here chose",
        "rf_assumed_height": "OVER AT AN ASSUMED HEIGHT",
        "sharing_basis": "Basis: local settings, not a regulation (the sharing distance, "
                         "{distance} m, from the scenario's [sharing] table or this tool's "
                         "default; sharing is advised when an existing tower would newly "
                         "serve at least {share} of the households the proposed point would "
                         "for the operator, and bring the same hamlets to the target).",
        "rules_note": "Only a broken regulation gives CONFLICT; a distance that is a local "
                      "setting (set by the constraints layer or the scenario, else this "
                      "tool's default) gives REVIEW. Exposure by the far-field formula (ITU-T "
                      "K.52, IEC 62232) at ground level, and at upper floors up to a fourth as "
                      "an assumption (over the limit only there: REVIEW); measurement under "
                      "QCVN 8:2022/BTTTT decides.",
        "aviation_rule": "aviation obstacle marking (mast height)",
        "mast_height": "mast {height} m",
        "aviation_from": "applies from {height} m",
        "aviation_review": "REVIEW",
        "more_constraints": "{n} more features of the constraints layer, {distance} m away "
                            "or more, all at their minimum distance or farther (all listed in "
                            "check.json).",
        "gain_there": "gain on it: operator (new 4G/5G)",
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
        "report_made": "Analysed at {when} with coverage-gis {version}.",
        "report_note": "Computed by coverage_gis from the scenario's layers (year {year}). "
                       "Map-measured indicators (M4, M5, F2) come from the coverage, sharing and "
                       "fibre engines; the others from the statistics table. The interactive "
                       "map is in {map} beside this page.",
        "scorecard": "Scorecard", "indicator": "indicator", "target_2025": "2025 target",
        "targets_from": "The 2025 targets are those of",
        "met_latest": "met (latest)", "source": "source", "basis_latest": "basis",
        "met_year": "met ({year})",
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
        "legend_not_measured": "not measured (no household of the hamlet in the data)",
        "legend_mobile_met_only": "mobile broadband target met (FTTH not computed)",
        "legend_ftth_met_only": "FTTH target met (mobile broadband not computed)",
        "legend_extension": "fibre extension", "legend_site": "suggested site",
        "legend_tower": "{operator} tower", "legend_tower_shared": "shared tower",
        "legend_tower_planned": "planned tower (white, dashed outline, its operator's colour "
                                "inside)",
        "legend_numbered": "Towers numbered on the map (no room for their names):",
        "legend_left_out": "{n} tower(s) with no room for a label, even a number (see towers.csv).",
        "legend_constraint": "place the tower check considers (school, heritage site...)",
        "gaps": "Gaps and what closes them",
        "gap_mobile": "{name} ({hamlet_id}): 4G/5G reaches {share} {of_what} (rule: "
                      "{rule}).",
        "of_households": "of households", "of_area": "of the area",
        "gap_sites": "Suggested sites (greedy, existing towers first):",
        "gap_ftth": "FTTH, {hamlet_id}: {length}{start}, +{added} homes passed; meets "
                    "the rule: {meets}.",
        "no_road_path": "no road path", "from_start": " from {start}",
        "cable": "{metres} m of new cable",
        "no_gaps": "No hamlet is short of a target.",
        "sharing": "Tower sharing",
        "sharing_m5": "M5: {shared}/{towers} existing towers{scope} shared ({value}; with "
                      "planned towers {planned}; if the candidates below were realised "
                      "{realised}).",
        "scope_commune": " inside the commune boundary",
        "scope_unit": " inside the unit's 2025 boundary",
        "scope_province": " on the province's units (their 2025 boundaries)",
        "scope_hamlets": " inside the hamlets (no commune boundary)", "scope_all_towers": "",
        "sharing_outside": "{outside} tower(s), existing or planned, standing outside the unit "
                           "(neighbours') are not counted in M5; their cells still count for "
                           "coverage.",
        "inside_unit_a": "tower inside the unit", "inside_unit_b": "other tower inside the unit",
        "no_sites_inside": "No site inside the unit improves coverage; sites outside it are "
                           "not proposed.",
        "with_tower": "with tower", "rank": "rank", "lon": "lon", "lat": "lat",
        "households_gained": "households gained", "m4_after_col": "M4 after",
        "inside_commune": "inside the unit",
        "assumptions": "Assumptions",
        "a_mobile": "mobile covered", "a_pathloss": "path loss", "a_terrain": "terrain",
        "a_grid": "grid", "a_losses": "losses", "a_planned": "planned cells",
        "a_planned_fibre": "planned fibre routes and boxes",
        "a_ftth": "FTTH", "a_data": "data",
        "a_validity": "models' validity ranges",
        "n_cells": "{n} cells",
        "above_3ghz": "above 3000 MHz, where the model is undefined, an assumption of this "
                      "tool: the 3000 MHz value plus {slope:g}·log10(f/3000) dB "
                      "(settings.EXTENDED_HATA_ABOVE_3GHZ_DB_PER_DECADE)",
        "hata_seam": "{lo:g}-{hi:g} MHz: Hata and COST-231 crossfaded linearly in log f (a "
                     "choice of this tool, settings.EXTENDED_HATA_SEAM_MHZ)",
        "validity_ok": "every cell inside its model's validity range (band, mast height, "
                       "terminal height, range)",
        "validity_some": "{n} of {total} cells use their model outside its validity range "
                         "(cells.csv, column model_validity): {list}",
        "validity_frequency_below_range": "band below the range",
        "validity_frequency_above_range": "band above the range",
        "validity_inside": "inside the validity range",
        "validity_height_below_range": "mast below the range",
        "validity_height_above_range": "mast above the range",
        "validity_ue_height_below_range": "terminal below the range",
        "validity_ue_height_above_range": "terminal above the range",
        "validity_distance_below_range": "range below the model's",
        "validity_distance_above_range": "range beyond the model's",
        # path-loss calibration (report assumptions, calibration.png)
        "a_calibration": "calibration to measurements",
        "calibration_applied": "the model's loss {offset} dB {slope} dB/decade × "
                               "log10(d / {ref:g} m){source}",
        "calibration_source": " (from {file}, {n} measurements, RMSE {rmse} dB)",
        "not_calibrated": "none (the model is not calibrated to measurements)",
        "calibration_classes": "; extra loss by land-cover class {offsets}",
        "calibration_classes_only": "extra loss by land-cover class only: {offsets}",
        "cal_before": "Before calibration", "cal_after": "After calibration",
        "cal_measured": "Measured (dBm)", "cal_predicted": "Predicted (dBm)",
        "cal_excess": "Excess loss = predicted − measured (dB)",
        "cal_distance": "Distance to the cell (m)", "cal_fit": "fitted correction",
        "cal_stats": "RMSE {rmse:.1f} dB, mean error {mean:+.1f} dB, n = {n}",
        "counted": "counted", "not_counted": "not counted",
        "indoors": "indoors", "outdoors": "outdoors", "flat": "flat ground",
        # coverage probability, indoor loss, clutter (report assumptions)
        "a_probability": "coverage probability",
        "probability_text": "a grid cell is covered when the level reaches the threshold with "
                            "a location probability ≥ {p:.0%} (log-normal shadow fading, "
                            "σ = {sigma}; margin {margin}; the best server's probability)",
        "a_indoor": "building entry loss",
        "indoor_p2109": "ITU-R P.2109-2, {building} buildings, loss not exceeded with "
                        "probability {p:.0%}, by frequency and elevation ({examples})",
        "indoor_flat": "{loss:g} dB at every frequency (the scenario's flat value)",
        "indoor_spread_in_sigma": "; its spread between buildings is in σ (σ = √(σ outdoors² + "
                                  "σ of the loss²))",
        "building_traditional": "traditional",
        "building_thermally_efficient": "thermally efficient (metallised glass)",
        "a_clutter": "land cover (clutter)",
        "clutter_none": "none (no land-cover layer)",
        "clutter_text": "{file}: extra loss at the receiver by class {losses}; environment "
                        "per pixel: {per_pixel}",
        "per_pixel_yes": "yes", "per_pixel_no": "no",
        # the printed report (issue 14): page numbers, codes and columns in words
        "page": "Page", "id": "id", "none_word": "none", "north": "N",
        "source_statistics": "statistics", "source_map": "map",
        "source_map (homes passed, for context)": "map (homes passed, for context)",
        "stat_mobile_broadband_subscriptions": "mobile_broadband_subscriptions",
        "stat_population": "population",
        "stat_smartphone_subscriptions": "smartphone_subscriptions",
        "stat_mobile_subscriptions": "mobile_subscriptions",
        "stat_adults_with_smartphone": "adults_with_smartphone", "stat_adults": "adults",
        "stat_ftth_subscriptions": "ftth_subscriptions",
        "stat_household_ftth_subscriptions": "household_ftth_subscriptions",
        "stat_households": "households",
        "stat_state_agencies_on_digital_platforms": "state_agencies_on_digital_platforms",
        "stat_state_agencies": "state_agencies",
        "stat_enterprises_on_digital_platforms": "enterprises_on_digital_platforms",
        "stat_enterprises": "enterprises",
        "basis_count": "{name}={value}", "basis_missing": "{name} missing",
        "basis_total_only": "from all FTTH subscriptions (agencies and enterprises included)",
        "basis_no_statistics": "no statistics table",
        "basis_statistics_not_per_unit": "the statistics table is the province's, not per unit",
        "basis_not_computed": "not computed (layer missing from the scenario)",
        "basis_no_hamlets": "no hamlet of the unit in the data (0/0)",
        "basis_no_towers": "no existing tower inside the unit in the data (0/0)",
        "basis_no_households": "no household in the data in the unit's {n} hamlet(s): not "
                               "measured (0/0)",
        "unmeasured_hamlets": "; {n} hamlet(s) without households in the data not counted "
                              "({ids})",
        "unmeasured_short": "{n} hamlet(s) not measured",
        "basis_homes_passed": "{passed} homes passed / {households} households on the map",
        "basis_sharing": "{shared}/{total} {unit}{where}; {method}",
        "approximate_towers": "; {n} tower position(s) estimated from phones' reports "
                              "(OpenCelliD, one per operator and radio): a shared mast reads as "
                              "several unshared towers, so M5 is not judged; ask the operators "
                              "for their tower list",
        "basis_hamlets": "{covered}/{hamlets} hamlets; {rule}",
        "unit_towers": "towers", "unit_installations": "installations",
        "where_inside_unit": " inside the unit",
        "method_towers": "towers used by 2+ operators / all towers",
        "method_installations": "operator installations on shared towers / all installations",
        "rule_mobile": "at least {share} {of_what} with 4G or 5G at or above {t4}/{t5} dBm "
                       "{where}{at}",
        "rule_probability": " with a location probability of at least {p}",
        "rule_planned": "; PLANNED CELLS COUNTED, not yet on air (include_planned)",
        "basis_area_km2": "area",
        "kind_share-instead-of-build": "share instead of building",
        "kind_consolidate": "consolidate onto one tower",
        "kind_share existing tower": "share an existing tower", "kind_new site": "new site",
        "unit_per 100": "per 100 inhabitants", "unit_ratio": "ratio",
        "households_basis_household points": "household points counted on the map",
        "households_basis_hamlet attribute": "the hamlets layer's households attribute",
        "households_basis_none": "no household count", "operator_any": "any operator",
        "proposal_omni": "one omni cell",
        "layer_hamlets": "hamlets", "layer_commune": "commune", "layer_sites": "sites",
        "layer_fibre": "fibre", "layer_access_points": "access_points",
        "layer_households": "households", "layer_roads": "roads", "layer_railway": "railway",
        "layer_constraints": "constraints", "layer_urban_areas": "urban_areas",
        "layer_landuse": "landuse", "layer_dem": "dem", "layer_landcover": "landcover",
        "layer_statistics": "statistics",
        "default_dem": "flat ground (no DEM)",
        "default_hamlets": "the unit as one area (no hamlets mapped)",
        "environment": "environment", "model": "model", "model_validity": "model validity",
        "env_rural": "rural", "env_suburban": "suburban", "env_urban": "urban",
        "env_open": "open", "env_los": "LOS", "env_nlos": "NLOS", "free_space": "free space",
        "terrain_far": "beyond each cell's threshold range (weak levels, only shown) the "
                       "terrain sampled every {step:g} m ([coverage] far_terrain_step_m)",
        "terrain_delta_bullington": "delta_bullington", "terrain_single": "single",
        "terrain_deygout": "deygout",
        "body_loss": "body {loss:g} dB",
        "ftth_text": "homes passed: drop ≤ {drop:g} m along the roads (straight line × "
                     "{detour} without road), no port condition; connectable: a free port "
                     "(ports_total); splitter boxes feed boxes, not homes; rule: {rule} "
                     "(≥ {share:.0%})",
        "ftth_rule_cultural_house": "cultural_house", "ftth_rule_share": "share",
        "rule_basis_default": "the share is a local setting: this tool's default, which no "
                              "one here chose ([{table}] hamlet_share), no regulation",
        "rule_basis_set": "the share is a local setting, set for this study ([{table}] "
                          "hamlet_share), not a regulation",
        # report.xlsx, results.kmz, QGIS styles
        "true": "yes", "false": "no",
        "kmz_hamlets": "Hamlets (results)", "kmz_cells": "Cells by operator",
        "kmz_towers": "Towers", "kmz_sharing": "Sharing candidates",
        "kmz_suggested": "Suggested sites", "kmz_fibre_routes": "Fibre routes",
        "kmz_extensions": "Fibre extensions",
        "kmz_coverage": "4G/5G coverage (best-server level)",
        "level_class_ge": "≥ {dbm} dBm", "level_class_between": "{low} … {high} dBm",
        "level_class_lt": "< {dbm} dBm",
        "level_not_counted": "not counted as covered (< {dbm} dBm, or under the threshold "
                             "plus the shadow-fading margin)",
        "covered_yes": "covered", "covered_no": "not covered",
        "probability_class": "probability {low} … {high}",
    },
}

_VERDICTS = {
    "vi": {"ok": "ĐẠT các nội dung đã kiểm tra (phơi nhiễm theo QCVN 8:2022/BTTTT, khoảng "
                 "cách); không thay thế thủ tục cấp phép",
           "share-instead": "NÊN DÙNG CHUNG trạm hiện có",
           "review": "CẦN XEM XÉT (không phải vi phạm quy định): xem lý do bên dưới",
           "conflict": "VI PHẠM QUY ĐỊNH",
           "outside-unit": "NGOÀI ĐỊA GIỚI ĐƠN VỊ HÀNH CHÍNH (XÃ, PHƯỜNG) ĐƯỢC KIỂM TRA: kiểm "
                           "tra lại tọa độ và hệ tọa độ"},
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
        "en": "{kind} {name} is {distance} m away; {source} requires at least "
              "{minimum} m",
        "vi": "{kind} {name} chỉ cách {distance} m; {source} quy định tối thiểu "
              "{minimum} m"},
    "in_corridor": {
        "en": "the site is {distance_m:.0f} m from the centre line of the {kind_word} {name}, "
              "within the {corridor_m:g} m strip where suggest-sites proposes no tower (a local "
              "setting, [suggestions], not the safety corridor the road and railway laws set "
              "by grade: for review)",
        "vi": "vị trí cách tim {kind_word} {name} {distance_m:.0f} m, trong dải {corridor_m:g} "
              "m không đề xuất đặt trạm (tiêu chí địa phương của kịch bản, không phải hành "
              "lang an toàn theo luật đường bộ, đường sắt: cần xem xét)"},
    "excluded_land": {
        "en": "the site is on land of class {class} where suggest-sites proposes no tower (a "
              "local setting, [suggestions] excluded_land: for review)",
        "vi": "vị trí nằm trên đất loại {class}, nơi không đề xuất đặt trạm (tiêu chí địa "
              "phương của kịch bản: cần xem xét)"},
    "no_households_layer": {
        "en": "the scenario has no households layer: no dwelling's distance or RF exposure "
              "could be checked (for review)",
        "vi": "kịch bản không có lớp hộ dân: không kiểm tra được khoảng cách và phơi nhiễm "
              "trường điện từ của nhà dân (cần xem xét)"},
    "no_constraints_layer": {
        "en": "the scenario has no constraints layer: no school, health station, heritage "
              "site or other constraint could be checked (for review)",
        "vi": "kịch bản không có lớp công trình cần bảo vệ: không kiểm tra được trường học, "
              "trạm y tế, di tích và các công trình khác (cần xem xét)"},
    "unmapped_location": {
        "en": "the site is in no hamlet of the data, {distance_m:,.0f} m from the nearest "
              "({hamlet_id}; over {limit_m:,.0f} m): the layers do not describe the land "
              "around it, so its dwellings and constraints are not checked (for review)",
        "vi": "vị trí không thuộc thôn nào trong dữ liệu, cách thôn gần nhất ({hamlet_id}) "
              "{distance_m:.0f} m (quá {limit_m:.0f} m): các lớp dữ liệu không mô tả khu vực "
              "xung quanh, nên nhà dân và công trình cần bảo vệ ở đó chưa được kiểm tra (cần "
              "xem xét)"},
    "inside_zone": {
        "en": "the site lies inside {kind} {name}, a zone {source} protects",
        "vi": "vị trí nằm trong khu vực {kind} {name} được {source} bảo vệ"},
    "inside_zone_local": {
        "en": "the site lies inside {kind} {name}, a zone of the constraints layer (a local "
              "setting, not a regulation: for review)",
        "vi": "vị trí nằm trong khu vực {kind} {name} của lớp công trình cần bảo vệ (tiêu chí "
              "địa phương, không phải quy định: cần xem xét)"},
    "local_distance": {
        "en": "{kind} {name} is {distance} m away, under the {minimum} m {set_by_text} (a "
              "local setting, not a regulation: for review)",
        "vi": "{kind} {name} chỉ cách {distance} m, dưới mức {minimum} m {set_by_text} "
              "(tiêu chí địa phương, không phải quy định: cần xem xét)"},
    "default_distance": {
        "en": "{kind} {name} is {distance} m away, under the {minimum} m {set_by_text} (a "
              "local setting, not a requirement of {source}: the constraints layer cites it "
              "without a distance; give min_distance_m from the document to check it as a "
              "regulation; for review)",
        "vi": "{kind} {name} chỉ cách {distance} m, dưới mức {minimum} m {set_by_text} "
              "(tiêu chí địa phương, không phải yêu cầu của {source}: lớp công trình cần bảo "
              "vệ dẫn văn bản này nhưng không ghi khoảng cách; nhập min_distance_m theo văn "
              "bản để kiểm tra như quy định; cần xem xét)"},
    "dwelling_too_close": {
        "en": "a dwelling ({name}) is {distance} m away, under the {minimum} m {set_by_text} "
              "(a local setting, not a regulation: for review)",
        "vi": "nhà dân ({name}) chỉ cách {distance} m, dưới mức {minimum} m {set_by_text} "
              "(tiêu chí địa phương, không phải quy định: cần xem xét)"},
    "aviation_obstacle": {
        "en": "the antenna is {height_m:g} m above ground, the structure at least as tall: "
              "{regulation} requires an aviation obstacle warning (marking and lights) on "
              "structures {limit_m:g} m or more above natural ground (for review: the "
              "structure's height, its warning, and whether it needs height approval)",
        "vi": "ăng-ten cao {height_m:g} m so với mặt đất, công trình cao ít nhất như vậy: "
              "{regulation} yêu cầu cảnh báo chướng ngại vật hàng không (sơn, đèn) đối với "
              "công trình cao từ {limit_m:g} m trở lên so với mặt đất tự nhiên (cần xem xét: "
              "chiều cao công trình, việc cảnh báo, và việc có phải xin chấp thuận độ cao)"},
    "exposure_band_outside": {
        "en": "RF exposure not checked for cell(s) {cells} at {bands} MHz: the limit of "
              "{regulation} is quoted for {low} to {high} MHz only, and no limit for this "
              "band is cited here (for review: ask for the limit that applies to this band "
              "or a measurement)",
        "vi": "chưa kiểm tra phơi nhiễm trường điện từ của cell {cells} ở tần số {bands} "
              "MHz: giới hạn của {regulation} chỉ áp dụng cho dải {low} đến {high} MHz, ở "
              "đây không dẫn giới hạn nào cho dải tần này (cần xem xét: yêu cầu giới hạn áp "
              "dụng cho dải tần này hoặc kết quả đo kiểm)"},
    "exposure_exceeded": {
        "en": "RF exposure at {kind} {name} ({distance_m:.0f} m away, {height_m:g} m above "
              "ground) would reach {ratio:.0%} of the limit of {regulation} (computed "
              "estimate; measurement decides)",
        "vi": "phơi nhiễm trường điện từ tại {kind} {name} (cách {distance_m:.0f} m, độ cao "
              "{height_m:g} m) ước tính bằng {ratio:.0%} giới hạn của {regulation} (giá trị "
              "tính toán; kết quả đo kiểm là căn cứ cuối cùng)"},
    "exposure_assumed_height": {
        "en": "RF exposure at {kind} {name} ({distance_m:.0f} m away) would reach {ratio:.0%} "
              "of the limit of {regulation} only at {height_m:g} m above ground, a height the "
              "data does not show anyone at (an assumed upper floor, or the roof of a lower "
              "building: a local setting), not at ground level (computed estimate; for "
              "review: check the building's height and roof, or measure)",
        "vi": "phơi nhiễm trường điện từ tại {kind} {name} (cách {distance_m:.0f} m) ước tính "
              "bằng {ratio:.0%} giới hạn của {regulation} chỉ ở độ cao {height_m:g} m, độ cao "
              "mà dữ liệu không cho thấy có người (tầng trên giả định, hoặc mái của công trình "
              "thấp hơn: tiêu chí địa phương), không phải ở mặt đất (giá trị tính toán; cần "
              "xem xét: kiểm tra chiều cao và mái công trình, hoặc đo kiểm)"},
    "share_tower": {
        "en": "{operator} could install on tower {tower_id} ({operators}) {distance_m:.0f} m "
              "away instead of building a new tower: the same cells there newly serve "
              "{gain_there_operator:g} {basis_word} for {operator} against "
              "{gain_here_operator:g} at the proposed point ({gain_there:g} against "
              "{gain_here:g} new to 4G/5G)",
        "vi": "{operator} có thể lắp đặt trên trạm {tower_id} ({operators}) cách "
              "{distance_m:.0f} m thay vì xây trạm mới: tại đó mạng {operator} phủ sóng mới "
              "{gain_there_operator:g} {basis_word}, so với "
              "{gain_here_operator:g} tại vị trí đề xuất ({gain_there:g} so với {gain_here:g} "
              "{basis_word} lần đầu có 4G/5G)"},
    "own_tower": {
        "en": "{operator} already has tower {tower_id} {distance_m:.0f} m away: add the cells "
              "there (they newly serve {gain_there_operator:g} {basis_word} for {operator} "
              "there against {gain_here_operator:g} at the proposed point)",
        "vi": "{operator} đã có trạm {tower_id} cách {distance_m:.0f} m: nên lắp thêm cell "
              "tại trạm đó (tại đó mạng {operator} phủ sóng mới {gain_there_operator:g} "
              "{basis_word}, so với {gain_here_operator:g} tại vị trí đề xuất)"},
    "unusual_crs": {
        "en": "the x/y were given in {crs}, not in {cadastral} as cadastral maps of the "
              "province give them; read in {cadastral} they would lie {distance_m:.0f} m "
              "away: check the coordinates and their CRS before deciding",
        "vi": "tọa độ x/y được nhập theo hệ {crs}, không phải {cadastral} như bản đồ địa "
              "chính của tỉnh; nếu đọc theo {cadastral} thì vị trí lệch {distance_m:.0f} m: "
              "kiểm tra lại tọa độ và hệ tọa độ trước khi quyết định"},
    "share_loses_gain": {
        "en": "sharing tower {tower_id} ({distance_m:.0f} m away) would newly serve only "
              "{gain_there_operator:g} {basis_word} for {operator} against "
              "{gain_here_operator:g} at the proposed point (under {min_share:.0%}): a new "
              "tower is justified",
        "vi": "nếu dùng chung trạm {tower_id} (cách {distance_m:.0f} m), mạng {operator} chỉ "
              "phủ sóng mới {gain_there_operator:g} {basis_word}, so với "
              "{gain_here_operator:g} tại vị trí đề xuất (dưới {min_share:.0%}): xây trạm mới "
              "là hợp lý"},
    "share_misses_hamlets": {
        "en": "sharing tower {tower_id} ({distance_m:.0f} m away) would not bring hamlet(s) "
              "{hamlets} to the mobile broadband target, as the proposed point would: a new "
              "tower is justified",
        "vi": "dùng chung trạm {tower_id} (cách {distance_m:.0f} m) không đưa thôn {hamlets} "
              "đạt chỉ tiêu phủ sóng của kế hoạch như vị trí đề xuất: xây trạm mới là hợp lý"},
    "share_exceeds_exposure": {
        "en": "sharing tower {tower_id} ({distance_m:.0f} m away) would bring a dwelling or "
              "public building near it over the RF exposure limit of {regulation}, with its "
              "own cells (computed estimate): a new tower, unless the cells are changed",
        "vi": "dùng chung trạm {tower_id} (cách {distance_m:.0f} m) sẽ làm phơi nhiễm trường "
              "điện từ tại nhà dân hoặc công trình công cộng gần trạm vượt giới hạn của "
              "{regulation}, cộng với các cell hiện có của trạm (giá trị tính toán): cần xây "
              "trạm mới, trừ khi thay đổi cấu hình cell"},
    "new_tower": {
        "en": "no existing tower within {max_distance_m:g} m: a new tower is needed",
        "vi": "không có trạm hiện có trong bán kính {max_distance_m:g} m: cần xây trạm mới"},
    "outside_commune": {
        "en": "the point is outside the unit checked (commune or ward: it may not be the "
              "authority for it)",
        "vi": "vị trí nằm ngoài địa giới đơn vị hành chính (xã, phường) được kiểm tra (có "
              "thể không thuộc thẩm quyền của đơn vị này)"},
    "boundary_disagrees": {
        "en": "the point lies {distance_m:.0f} m beyond the boundary of {unit_name} but inside "
              "{plan_name}, which went whole into it in 2025: the two outlines disagree here "
              "(different surveys); the unit's to decide, after checking the boundary",
        "vi": "vị trí nằm ngoài ranh giới {unit_name} {distance_m:.0f} m nhưng trong "
              "{plan_name}, đơn vị đã nhập toàn bộ vào {unit_name} năm 2025: hai ranh giới "
              "không khớp tại đây (từ các nguồn đo đạc khác nhau); thuộc thẩm quyền của đơn "
              "vị, cần kiểm tra lại ranh giới"},
    "other_crs": {
        "en": "the coordinates were given in {crs}; read in {preset} they would lie inside "
              "the unit: check the CRS (--crs {preset}?)",
        "vi": "tọa độ được nhập theo hệ {crs}; nếu đọc theo hệ {preset} thì vị trí nằm trong "
              "đơn vị: kiểm tra lại hệ tọa độ (--crs {preset}?)"},
    "no_gain": {
        "en": "it covers no household that is not already covered by 4G/5G",
        "vi": "trạm không phủ thêm hộ nào chưa có sóng 4G/5G"},
    "gain_model_outside_validity": {
        "en": "the coverage gain is computed with {model_name}, used here outside its validity "
              "range ({validity_text}): an estimate to confirm by measurement",
        "vi": "vùng phủ tăng thêm được tính bằng mô hình {model_name}, ở đây dùng ngoài phạm vi "
              "áp dụng ({validity_text}): chỉ là ước tính, cần đo kiểm để xác nhận"},
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


#: Column titles of report.xlsx (and of the KMZ balloons) in Vietnamese; English titles are the
#: machine names in words (:func:`column_title`). ``{op}`` names an operator; ``sheet.column``
#: a title in one sheet only.
_COLUMNS_VI: dict[str, str] = {
    # scorecard
    "indicator": "chỉ tiêu", "year": "năm", "value": "giá trị",
    "target": "mục tiêu", "scorecard.target": "chỉ tiêu 2025", "target_source": "nguồn chỉ tiêu",
    "met": "đạt", "source": "nguồn", "name_vi": "tên chỉ tiêu", "name_en": "tên tiếng Anh",
    "unit": "đơn vị", "numerator": "tử số", "denominator": "mẫu số", "basis": "cách tính",
    # hamlets
    "hamlet_id": "mã thôn", "name": "tên", "households": "số hộ",
    "households_basis": "nguồn số hộ", "population": "dân số", "area_km2": "diện tích (km²)",
    "share_basis": "tỷ lệ tính theo", "share_4g": "tỷ lệ hộ có 4G",
    "share_5g": "tỷ lệ hộ có 5G", "mobile_broadband_share": "tỷ lệ hộ có 4G/5G",
    "mobile_broadband_share_{op}": "tỷ lệ hộ có 4G/5G của {op}",
    "households_mobile_broadband": "số hộ có 4G/5G",
    "households_lose_service_at_switch_off": "số hộ mất sóng khi tắt 2G/3G",
    "households_no_signal": "số hộ không có sóng",
    "mobile_broadband_covered": "đạt chỉ tiêu phủ sóng 4G/5G",
    "mobile_broadband_share_signal_radius": "tỷ lệ hộ có 4G/5G (bán kính ước tính nhanh)",
    "ftth_share": "tỷ lệ hộ trong tầm cáp quang", "ftth_covered": "đạt chỉ tiêu cáp quang",
    "homes_passed": "số hộ trong tầm cáp quang",
    "homes_port_limited": "số hộ trong tầm, hộp hết cổng",
    "within_reach_share": "tỷ lệ hộ trong phạm vi dây thuê bao",
    "cultural_house_reached": "nhà văn hóa có cáp", "ftth_rule": "quy tắc đánh giá cáp quang",
    "homes_connectable": "số hộ đấu nối được ngay",
    "ftth_connectable_share": "tỷ lệ hộ đấu nối được ngay",
    # towers, cells, sharing candidates, suggested sites
    "tower_id": "mã trạm", "site_id": "mã cell", "operators": "nhà mạng",
    "operator": "nhà mạng", "n_operators": "số nhà mạng",
    "existing_operators": "nhà mạng đang phát sóng",
    "n_existing_operators": "số nhà mạng đang phát sóng", "technologies": "công nghệ",
    "technology": "công nghệ", "band_mhz": "băng tần (MHz)", "azimuth_deg": "góc phương vị (°)",
    "height_m": "độ cao ăng-ten (m)", "n_cells": "số cell", "status": "trạng thái",
    "existing_technologies": "công nghệ đang phát sóng",
    "n_existing_cells": "số cell đang phát sóng",
    "inside_unit": "trong địa bàn", "cell_ids": "mã các cell", "tower_ids": "mã các trạm",
    "unit_code": "mã đơn vị hành chính", "position_approximate": "vị trí ước tính",
    "lon": "kinh độ", "lat": "vĩ độ",
    "rank": "thứ tự", "kind": "loại", "tower_a": "trạm A", "tower_b": "trạm B",
    "operators_a": "nhà mạng trạm A", "operators_b": "nhà mạng trạm B",
    "status_a": "trạng thái trạm A", "status_b": "trạng thái trạm B",
    "distance_m": "khoảng cách (m)", "max_distance_m": "khoảng cách xét (m)",
    "inside_unit_a": "trạm A trong địa bàn", "inside_unit_b": "trạm B trong địa bàn",
    "lon_a": "kinh độ trạm A", "lat_a": "vĩ độ trạm A", "lon_b": "kinh độ trạm B",
    "lat_b": "vĩ độ trạm B", "operators_on_tower": "nhà mạng trên trạm",
    "inside_commune": "trong địa giới đơn vị", "hamlets_newly_covered": "số thôn đạt chỉ tiêu thêm",
    "households_gained_in_short_hamlets": "số hộ được phủ thêm ở thôn thiếu sóng",
    "households_gained": "số hộ được phủ thêm", "m4_after": "M4 sau khi xây",
    "azimuths_deg": "góc phương vị (°)",
    # fibre extensions
    "homes_to_connect": "số hộ cần đấu nối", "length_m": "chiều dài tuyến (m)",
    "cable_m": "cáp mới (m)", "cable_aerial_m": "cáp treo (m)",
    "cable_underground_m": "cáp ngầm (m)", "boxes": "số hộp cáp",
    "box_ports": "số cổng mỗi hộp",
    "crossings": "số điểm giao cắt", "crossings_railway": "giao cắt đường sắt",
    "crossings_national_road": "giao cắt quốc lộ", "cost_vnd": "chi phí ước tính (đồng)",
    "households_added": "số hộ thêm trong tầm",
    "households_added_elsewhere": "số hộ thêm ở thôn khác",
    "ftth_share_after": "tỷ lệ hộ trong tầm sau khi kéo", "meets_rule": "đạt quy tắc",
    "from_access_point": "từ điểm truy nhập", "new_boxes": "số hộp mới đặt",
    "new_boxes_without_cable": "số hộp mới không cần kéo cáp",
    "new_box_xy": "tọa độ hộp mới (x y, m, hệ tọa độ tính toán: crs trong summary.json)",
    "new_box_lonlat": "tọa độ hộp mới (kinh độ vĩ độ, WGS 84)",
    "new_box_homes": "số hộ mỗi hộp mới",
    "note": "ghi chú", "route_id": "mã tuyến",
    # units (units.csv)
    "units.role": "đơn vị", "units.outline": "ranh giới", "units.hamlets": "số thôn",
    "hamlet_ids": "mã các thôn",
    "hamlet_area_share": "tỷ lệ diện tích đơn vị có thôn trong dữ liệu",
    "m4_value": "M4: tỷ lệ thôn có 4G/5G", "m4_covered_hamlets": "M4: số thôn đạt",
    "m4_hamlets": "M4: số thôn được tính", "m4_target": "M4: mục tiêu",
    "m4_unmeasured_hamlets": "M4: số thôn không có hộ (không tính)",
    "m5_value": "M5: tỷ lệ vị trí trạm dùng chung", "m5_shared_towers": "M5: số trạm dùng chung",
    "m5_towers": "M5: số trạm đang phát sóng", "m5_target": "M5: mục tiêu",
    "towers_outside_unit": "số trạm lân cận ngoài đơn vị (không tính)",
    "f2_value": "F2: tỷ lệ thôn có cáp quang", "f2_covered_hamlets": "F2: số thôn đạt",
    "f2_hamlets": "F2: số thôn được tính", "f2_target": "F2: mục tiêu",
    "f2_unmeasured_hamlets": "F2: số thôn không có hộ (không tính)",
}

#: English words for the parts of machine names that are abbreviations.
_COLUMN_PARTS_EN = {"ftth": "FTTH", "4g": "4G", "5g": "5G", "m4": "M4", "m5": "M5", "f2": "F2",
                    "km2": "(km²)", "vnd": "(VND)", "m": "(m)", "deg": "(°)", "mhz": "(MHz)",
                    "n": "number of", "id": "id", "xy": "(x y)", "lonlat": "(lon lat, WGS 84)",
                    "a": "A", "b": "B"}


def column_title(column: str, lang: str = "vi", table: str = "") -> str:
    """A column's title in words of ``lang`` (``hamlet_id`` → ``mã thôn`` or ``Hamlet id``),
    as titled in ``table`` (a sheet name) when it has words of its own there; a column without
    Vietnamese words keeps its machine name."""
    col = str(column)
    if _lang(lang) == "vi":
        for key in (f"{table}.{col}", col):
            if key in _COLUMNS_VI:
                return _COLUMNS_VI[key]
        prefix = "mobile_broadband_share_"
        if col.startswith(prefix):
            from coverage_gis.config.settings import OPERATOR_ALIASES

            slug = col[len(prefix):]
            op = next((name for name in OPERATOR_ALIASES if name.lower() == slug), slug)
            return _COLUMNS_VI["mobile_broadband_share_{op}"].format(op=op)
        return col
    parts = [_COLUMN_PARTS_EN.get(p, p) for p in col.split("_")]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def skipped_text(part: str, reason: str, lang: str = "vi") -> str:
    """What a study left out and why, in words (``part="title"`` for the heading)."""
    key = "title" if part == "title" else f"{part}:{reason}"
    return _SKIPPED[key][_lang(lang)]


def basis_name(basis: str, lang: str = "vi") -> str:
    """A rule's basis in words (``regulation`` → ``quy định``)."""
    return _RULE_BASES[_lang(lang)].get(basis, basis)


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise InputError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def words(lang: str = "vi") -> dict[str, str]:
    """The page words in ``lang`` ("vi" or "en")."""
    return _WORDS[_lang(lang)]


def kind_name(kind: str, lang: str = "vi") -> str:
    """A constraint kind in words (``school`` → ``trường học``)."""
    return _KINDS[_lang(lang)].get(kind, str(kind).replace("_", " "))


def verdict_name(verdict: str, lang: str = "vi") -> str:
    return _VERDICTS[_lang(lang)].get(verdict, verdict)


def number_text(value: float, lang: str = "vi", decimals: int | None = None,
                grouped: bool = False) -> str:
    """A number as written in ``lang``: ``decimals`` decimals (None: as few as it needs,
    like ``:g``), with a decimal comma in Vietnamese (9,8) and a point in English (9.8);
    ``grouped``: thousands grouped (1.234,5 / 1,234.5)."""
    from coverage_gis.engines.rounding import round_half_up

    comma = "," if grouped else ""
    text = (f"{value:{comma}g}" if decimals is None
            else f"{round_half_up(value, decimals):{comma}.{decimals}f}")  # 62.5 -> 63
    return _vi_digits(text) if _lang(lang) == "vi" else text


def _vi_digits(text: str) -> str:
    """A number Python wrote (point decimals, comma thousands) as Vietnamese writes it."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


class _ViFormatter(string.Formatter):
    """``str.format`` that writes every number it places the Vietnamese way (``{h:g}`` of
    45.5 gives 45,5), whatever its format spec; text and codes are placed as they are."""

    def format_field(self, value: Any, format_spec: str) -> str:
        text = format(value, format_spec)
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return _vi_digits(text)
        return text


_VI_FORMATTER = _ViFormatter()


class _ViTemplate(str):
    """A Vietnamese template: its ``format`` writes numbers with a decimal comma (found by
    a review: "ăng-ten cao 45.5 m", "RMSE 6.3 dB" in Vietnamese sentences, where a point
    reads as a thousands separator)."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:
        return _VI_FORMATTER.vformat(str(self), args, kwargs)


def localised(texts: Any, lang: str) -> Any:
    """``texts`` (a template, or a dict of them, nested dicts allowed) in ``lang``: in
    Vietnamese each template writes the numbers it places with a decimal comma; in English,
    or text without a placeholder, as it is."""
    if lang != "vi":
        return texts
    if isinstance(texts, str):
        return _ViTemplate(texts) if "{" in texts else texts
    if isinstance(texts, Mapping):
        return {key: localised(text, lang) for key, text in texts.items()}
    return texts


def datetime_text(iso: str | None, lang: str = "vi") -> str:
    """An ISO 8601 time (``2026-11-29T06:31:05+00:00``) as ``lang`` writes dates, to the
    minute with its offset: "29/11/2026 06:31 (UTC+00:00)" in Vietnamese, "2026-11-29 06:31
    (UTC+00:00)" in English (found by a review: the Vietnamese report mixed ISO and
    dd/mm/yyyy dates); "–" for none, the text unchanged when it is no such time."""
    from datetime import datetime

    if not iso:
        return "–"
    try:
        when = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    day = when.strftime("%d/%m/%Y" if _lang(lang) == "vi" else "%Y-%m-%d")
    offset = when.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return f"{day} {when:%H:%M}{zone}"


def percent_text(share: Any, lang: str = "vi", decimals: int | None = None,
                 against: float | None = None) -> str:
    """A share (0..1) as a percentage in ``lang`` ("90,8 %" / "90.8 %"), "–" for none or
    NaN: ``decimals`` decimals (None: none for a whole percentage, else one). ``against``
    (a target share the value is judged against, met at or above it): more decimals, up to
    two more, when rounding would put the value on the target's other side, closer still cut
    towards its side (0.908 against 0.91: "90,8 %", not "91 %", which read as met; found by
    a cross-output review: a hamlet at 90.8 % shown "91 %" and "not met" against 91 %)."""
    from coverage_gis.engines.rounding import TARGET_TOLERANCE, decimals_shown, rounded_against

    try:
        v = 100.0 * float(share)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if decimals is None:
        decimals = 0 if abs(v - round(v)) < 0.05 else 1
    if against is not None and math.isfinite(float(against)):
        # on the side of the target the engines judged it
        v = rounded_against(v, 100.0 * (float(against) - TARGET_TOLERANCE), decimals,
                            decimals + 2)
        decimals = decimals_shown(v, decimals)
    return number_text(v, lang, decimals) + " %"


def distance_text(distance_m: float, limit_m: float, lang: str = "vi") -> tuple[str, str]:
    """A distance and the minimum it is compared with, as a sentence shows them: whole
    metres, with as many decimals as it takes for the comparison the sentence states to be
    visibly true (9.76 m against 10 m: "9,8" / "9.8", not "10"), and the minimum as given
    (:func:`coverage_gis.engines.rounding.rounded_against`). Both in m."""
    from coverage_gis.engines.rounding import decimals_shown, rounded_against

    shown = rounded_against(distance_m, limit_m, 0)
    return number_text(shown, lang, decimals_shown(shown)), number_text(limit_m, lang)


#: Who set a minimum distance (``ConstraintCheck.set_by``), after "under the N m".
_SET_BY = {
    "vi": {"layer": "do lớp công trình cần bảo vệ đặt",
           "scenario": "do kịch bản đặt ([check] min_distance_m)",
           "tool-default": "là giá trị mặc định của phần mềm, chưa được địa phương chọn "
                           "(đặt trong lớp công trình cần bảo vệ, cột min_distance_m, "
                           "hoặc trong kịch bản, [check] min_distance_m)"},
    "en": {"layer": "the constraints layer sets",
           "scenario": "the scenario sets ([check] min_distance_m)",
           "tool-default": "of this tool's default, which no one here chose (set it in the "
                           "constraints layer's min_distance_m or the scenario's [check] "
                           "min_distance_m)"},
}

#: Who set the distance of a reason that does not say (``set_by``), by reason code.
_SET_BY_DEFAULT = {"dwelling_too_close": "tool-default", "default_distance": "tool-default"}


def model_name(code: str, w: dict[str, str]) -> str:
    """A path-loss model's code in words (``extended_hata_suburban`` → ``Extended Hata,
    ven đô``): the model's published name and its environment or line-of-sight case."""
    names = {"extended_hata": "Extended Hata", "hata": "Okumura-Hata",
             "cost231": "COST-231 Hata", "rma": "3GPP TR 38.901 RMa",
             "uma": "3GPP TR 38.901 UMa"}
    if code == "free_space":
        return w["free_space"]
    base, _, case = str(code).rpartition("_")
    if base in names and f"env_{case}" in w:
        return f"{names[base]}, {w['env_' + case]}"
    return names.get(str(code), str(code))


def reason_text(code: str, params: dict[str, Any], lang: str = "vi") -> str:
    """One reason of a tower check in words. A place is named by its name, else its id."""
    p = dict(params)
    p["set_by_text"] = _SET_BY[_lang(lang)][p.get("set_by") or _SET_BY_DEFAULT.get(code,
                                                                                   "layer")]
    if "kind" in p:
        p["kind"] = kind_name(p["kind"], lang)
    if isinstance(p.get("hamlets"), (list, tuple)):
        p["hamlets"] = ", ".join(p["hamlets"])
    if "basis" in p:
        p["basis_word"] = _BASIS_WORDS[_lang(lang)].get(p["basis"], p["basis"])
    if "min_distance_m" in p and "distance_m" in p:
        p["distance"], p["minimum"] = distance_text(p["distance_m"], p["min_distance_m"], lang)
    if code == "in_corridor":
        p["kind_word"] = {"vi": {"road": "đường", "railway": "đường sắt"},
                          "en": {"road": "road", "railway": "railway"}
                          }[_lang(lang)][params["kind"]]
    if code == "gain_model_outside_validity":
        w = words(lang)
        p["model_name"] = model_name(str(p["model"]), w)
        p["validity_text"] = ", ".join(w.get(f"validity_{c}", c)
                                       for c in str(p["validity"]).split("+"))
    if "bands_mhz" in p:
        p["cells"] = ", ".join(map(str, p["cells"]))
        p["bands"] = ", ".join(dict.fromkeys(number_text(b, lang) for b in p["bands_mhz"]))
        p["low"], p["high"] = number_text(p["low_mhz"], lang), number_text(p["high_mhz"], lang)
    name = p.get("name")
    named = name is not None and not (isinstance(name, float) and math.isnan(name))
    p["name"] = (str(name).strip() if named and str(name).strip()
                 else str(p["id"]) if p.get("id") is not None else "")
    return re.sub(r" {2,}", " ", _REASONS[code][_lang(lang)].format(**p))


#: Words of the local web app (``coverage-gis serve``): the page, its map and the check.
_WEB: dict[str, dict[str, str]] = {
    "vi": {
        "app_title": "Bản đồ hạ tầng số và kiểm tra vị trí trạm BTS",
        "other_language": "English", "map": "Bản đồ",
        "search": "Tìm thôn, trạm, mã trạm",
        "search_hint": "ví dụ: Yên Sơn, BSN-T01, QT04",
        "no_match": "Không tìm thấy", "hamlet": "thôn", "tower": "trạm", "cell": "cell",
        "access_point": "hộp cáp", "suggested_site": "vị trí trạm đề xuất",
        "suggestion_n": "Đề xuất số {rank}",
        "check_heading": "Kiểm tra vị trí trạm BTS đề xuất",
        "check_help": "Bấm lên bản đồ để kiểm tra tại điểm đó, hoặc nhập tọa độ và bấm "
                      "“Kiểm tra”.",
        "coords": "Tọa độ", "mode_lonlat": "Kinh độ, vĩ độ (WGS 84)",
        "mode_xy": "x, y theo hệ VN-2000 (bản đồ địa chính)",
        "lat": "Vĩ độ", "lon": "Kinh độ",
        "dms_hint": "Số thập phân (dấu chấm hoặc phẩy) hoặc độ-phút-giây, ví dụ 20°03'54.9\"N",
        "x": "x (hướng đông, m)", "y": "y (hướng bắc, m)", "crs": "Hệ tọa độ",
        "x_hint": "tức tọa độ Y của bản đồ địa chính, trích lục (khoảng 5xx xxx m)",
        "y_hint": "tức tọa độ X của bản đồ địa chính, trích lục (khoảng 2 2xx xxx m)",
        "proposal": "Thông số trạm đề xuất", "operator": "Nhà mạng", "technology": "Công nghệ",
        "band_mhz": "Băng tần (MHz)", "height_m": "Độ cao ăng-ten (m)",
        "azimuth_deg": "Góc phương vị các sector (độ)", "eirp_dbm": "EIRP mỗi sector (dBm)",
        "default_value": "mặc định {value}",
        "defaults_note": "Ô để trống lấy giá trị mặc định của công nghệ; nếu không nhập góc "
                         "phương vị, trạm được tính như một ăng-ten vô hướng.",
        "file": "Hồ sơ", "request_id": "Số hồ sơ", "applicant": "Đơn vị/người đề nghị",
        "run_check": "Kiểm tra", "checking": "Đang kiểm tra…", "error": "Không kiểm tra được",
        "map_failed": "Không tải được bản đồ",
        "result": "Kết quả kiểm tra", "verdict": "Kết luận",
        "print": "In trang A4", "kml": "Tải KML (Google Earth)",
        "where": "Vị trí", "place": "thuộc",
        "in_hamlet": "thôn {id} {name}", "near_hamlet": "{inside}; thôn gần nhất {id}, cách "
                                                      "{distance} m",
        "point_lonlat": "Vĩ độ, kinh độ ({crs})", "point_xy": "x, y ({crs})",
        "gain": "Vùng phủ tăng thêm (4G/5G)",
        "households_newly_covered": "hộ được phủ thêm",
        "households_newly_covered_by_operator": "trong đó: số hộ mới có sóng của nhà mạng đề "
                                                "nghị",
        "hamlets_newly_covered": "thôn đạt chỉ tiêu nhờ trạm", "m4": "M4 trước → sau",
        "area_newly_covered": "diện tích được phủ thêm", "none": "không có",
        "sharing": "Dùng chung hạ tầng", "distance": "khoảng cách", "operators": "nhà mạng",
        "status": "trạng thái", "status_existing": "hiện có", "status_planned": "quy hoạch",
        "rules": "Quy định và tiêu chí", "rule": "nội dung", "basis": "căn cứ",
        "value": "giá trị tính toán", "limit": "giới hạn", "result_col": "đánh giá",
        "ok": "đạt", "not_ok": "KHÔNG ĐẠT",
        "band_not_covered": "NGOÀI DẢI TẦN",
        "rule_exposure": "phơi nhiễm trường điện từ",
        "exposure_worst": "cao nhất tại {kind} {name} ({distance} m): {ratio} giới hạn",
        "exposure_none": "không có nhà dân, công trình công cộng trong {distance} m",
        "exposure_distance": "khoảng cách tuân thủ theo hướng búp sóng chính {distance} m",
        "exposure_summary": "Phơi nhiễm: khoảng cách tuân thủ {distance} m; {places} điểm "
                            "được kiểm tra; cao nhất {ratio} % giới hạn (giá trị tính toán; "
                            "kết quả đo kiểm là căn cứ cuối cùng).",
        "layers": "Lớp bản đồ", "legend": "Chú giải",
        "group_hamlets": "Thôn (chọn một cách tô màu)", "group_mobile": "Di động",
        "group_households": "Hộ dân", "group_fibre": "Cáp quang",
        "group_plan": "Đề xuất và công trình cần bảo vệ", "group_check": "Kiểm tra",
        "group_background": "Nền",
        "layer_none": "không hiển thị",
        "layer_hamlets_mbb": "Thôn: tỷ lệ hộ có 4G/5G",
        "layer_hamlets_ftth": "Thôn: tỷ lệ hộ trong tầm cáp quang",
        "layer_hamlet_names": "Tên thôn", "layer_cells": "Cell theo nhà mạng",
        "layer_towers": "Trạm BTS", "layer_level_4G": "Mức thu 4G (RSRP)",
        "layer_level_5G": "Mức thu 5G (SS-RSRP)",
        "layer_covered_mobile_broadband": "Vùng có 4G/5G",
        "layer_households_mbb": "Hộ dân theo 4G/5G",
        "layer_households_ftth": "Hộ dân theo cáp quang",
        "layer_fibre_routes": "Tuyến cáp quang", "layer_access_points": "Hộp cáp, bộ chia",
        "layer_extensions": "Tuyến cáp cần kéo thêm",
        "layer_suggestions": "Vị trí trạm đề xuất",
        "layer_sharing": "Cặp trạm có thể dùng chung",
        "layer_constraints": "Công trình cần bảo vệ",
        "layer_check": "Điểm kiểm tra và vùng phủ mới",
        "layer_hillshade": "Địa hình (bóng đổ từ DEM)", "layer_commune": "Ranh giới xã",
        "layer_unit": "Ranh giới {name} (dùng để kiểm tra vị trí trạm)",
        "layer_commune_old": "Ranh giới xã cũ (nơi kế hoạch được ban hành)",
        "layer_roads": "Đường", "layer_railway": "Đường sắt",
        "class_target": "thôn được tính đạt (tiêu chí địa phương)",
        "class_from": "từ {lo} %, chưa đạt",
        "class_between": "từ {lo} % đến dưới {hi} %", "class_low": "dưới {hi} %",
        "no_data": "không có số liệu",
        "level_from": "từ {dbm} dBm",
        "level_below": ("không được tính là có sóng (dưới {dbm} dBm, hoặc dưới ngưỡng "
                        "cộng dự phòng che khuất)"),
        "covered": "có sóng 4G/5G", "not_covered": "chưa có sóng 4G/5G",
        "passed": "trong tầm cáp quang", "not_passed": "ngoài tầm cáp quang",
        "extension": "tuyến kéo thêm", "check_new": "vùng được phủ mới",
        "check_already": "vùng trạm mới phủ, đã có sóng",
        "check_rf": "khoảng cách tuân thủ phơi nhiễm",
        "check_sharing": "bán kính xét dùng chung",
        "background": "Nền bản đồ",
        "hillshade_note": "Nền địa hình tính từ DEM của kịch bản (bóng đổ, nắng từ hướng "
                          "tây bắc); không cần mạng.",
        "no_dem": "Kịch bản không có DEM: nền trơn, không có địa hình.",
        "attribution": "coverage-gis; nền địa hình từ DEM của kịch bản",
        "pointer_help": "Di chuột trên bản đồ để xem tọa độ",
        "pointer_lonlat": "WGS 84: {lat}, {lon}", "pointer_xy": "VN-2000 ({crs}): x {x}, y {y}",
        "pointer_outside_zone": "VN-2000 ({crs}): ngoài vùng áp dụng của hệ tọa độ",
        "measure": "Đo", "measure_help": "Đo khoảng cách: bấm điểm đầu rồi điểm cuối "
                                         "(Esc để thoát)",
        "measure_second": "Bấm điểm cuối", "measure_result": "Khoảng cách: {distance}",
        "hamlet_id": "mã thôn", "households": "số hộ", "share_mbb": "4G/5G",
        "share_ftth": "cáp quang", "mbb_target": "đạt chỉ tiêu 4G/5G",
        "ftth_target": "đạt chỉ tiêu cáp quang", "yes": "có", "no": "không",
        "technologies": "công nghệ", "territory": "địa bàn",
        "inside_unit": "trong địa giới đơn vị", "outside_unit": "ngoài địa giới đơn vị",
        "household": "hộ", "fibre_route": "tuyến cáp quang", "length": "chiều dài",
        "kind": "loại", "ports": "cổng", "ports_used": "đã dùng {used}/{total}",
        "cable": "cáp", "boxes": "số hộp", "cost": "chi phí",
        "households_gained": "hộ được phủ thêm", "m4_after": "M4 sau khi xây",
        "sharing_pair": "Có thể dùng chung", "min_distance": "khoảng cách tối thiểu",
    },
    "en": {
        "app_title": "Digital infrastructure map and tower check",
        "other_language": "Tiếng Việt", "map": "Map",
        "search": "Find a hamlet, tower or site id",
        "search_hint": "e.g. Yên Sơn, BSN-T01, QT04",
        "no_match": "Nothing found", "hamlet": "hamlet", "tower": "tower", "cell": "cell",
        "access_point": "box", "suggested_site": "suggested site",
        "suggestion_n": "Suggestion {rank}",
        "check_heading": "Check a proposed tower",
        "check_help": "Click the map to check that point, or type the coordinates and press "
                      "“Check”.",
        "coords": "Coordinates", "mode_lonlat": "Longitude, latitude (WGS 84)",
        "mode_xy": "x, y in VN-2000 (cadastral map)",
        "lat": "Latitude", "lon": "Longitude",
        "dms_hint": "Decimal degrees (point or comma) or degrees-minutes-seconds, e.g. "
                    "20°03'54.9\"N",
        "x": "x (easting, m)", "y": "y (northing, m)", "crs": "CRS",
        "x_hint": "the Y of Vietnamese cadastral maps and extracts (about 5xx xxx m)",
        "y_hint": "the X of Vietnamese cadastral maps and extracts (about 2 2xx xxx m)",
        "proposal": "The proposed tower", "operator": "Operator", "technology": "Technology",
        "band_mhz": "Band (MHz)", "height_m": "Antenna height (m)",
        "azimuth_deg": "Sector azimuths (degrees)", "eirp_dbm": "EIRP per sector (dBm)",
        "default_value": "default {value}",
        "defaults_note": "Empty fields take the technology's defaults; no azimuth: one omni "
                         "antenna.",
        "file": "Request", "request_id": "Request number", "applicant": "Applicant",
        "run_check": "Check", "checking": "Checking…", "error": "The check could not run",
        "map_failed": "The map could not be loaded",
        "result": "The check", "verdict": "Verdict",
        "print": "Print (A4 page)", "kml": "Download KML (Google Earth)",
        "where": "Where", "place": "in",
        "in_hamlet": "hamlet {id} {name}", "near_hamlet": "{inside}; nearest hamlet {id}, "
                                                         "{distance} m away",
        "point_lonlat": "Latitude, longitude ({crs})", "point_xy": "x, y ({crs})",
        "gain": "Coverage gained (4G/5G)",
        "households_newly_covered": "households newly covered",
        "households_newly_covered_by_operator": "of which by the applying operator",
        "hamlets_newly_covered": "hamlets brought to the target", "m4": "M4 before → after",
        "area_newly_covered": "area newly covered", "none": "none",
        "sharing": "Tower sharing", "distance": "distance", "operators": "operators",
        "status": "status", "status_existing": "existing", "status_planned": "planned",
        "rules": "Rules checked", "rule": "rule", "basis": "basis",
        "value": "found", "limit": "limit", "result_col": "result",
        "ok": "ok", "not_ok": "NOT MET",
        "band_not_covered": "NOT COVERED",
        "rule_exposure": "RF exposure",
        "exposure_worst": "highest at {kind} {name} ({distance} m): {ratio} of the limit",
        "exposure_none": "no dwelling or public building within {distance} m",
        "exposure_distance": "main-beam compliance distance {distance} m",
        "exposure_summary": "RF exposure: compliance distance {distance} m; {places} places "
                            "checked; highest {ratio} % of the limit (a computed estimate; "
                            "measurement decides).",
        "layers": "Layers", "legend": "Legend",
        "group_hamlets": "Hamlets (one colouring at a time)", "group_mobile": "Mobile",
        "group_households": "Households", "group_fibre": "Fibre",
        "group_plan": "Suggestions and constraints", "group_check": "Check",
        "group_background": "Background",
        "layer_none": "none",
        "layer_hamlets_mbb": "Hamlets: share of households with 4G/5G",
        "layer_hamlets_ftth": "Hamlets: share of households passed by fibre",
        "layer_hamlet_names": "Hamlet names", "layer_cells": "Cells by operator",
        "layer_towers": "Towers", "layer_level_4G": "4G level (RSRP)",
        "layer_level_5G": "5G level (SS-RSRP)",
        "layer_covered_mobile_broadband": "Area with 4G/5G",
        "layer_households_mbb": "Households by 4G/5G",
        "layer_households_ftth": "Households by fibre",
        "layer_fibre_routes": "Fibre routes", "layer_access_points": "Boxes and splitters",
        "layer_extensions": "Fibre extensions needed",
        "layer_suggestions": "Suggested sites",
        "layer_sharing": "Towers that could be shared",
        "layer_constraints": "Protected places",
        "layer_check": "Checked point and new coverage",
        "layer_hillshade": "Terrain (hillshade of the DEM)", "layer_commune": "Commune boundary",
        "layer_unit": "Boundary of {name} (the one tower checks use)",
        "layer_commune_old": "Old commune boundary (the plan's)",
        "layer_roads": "Roads", "layer_railway": "Railway",
        "class_target": "hamlet counted (a local setting)",
        "class_from": "{lo} % or more, not counted",
        "class_between": "{lo} % to under {hi} %", "class_low": "under {hi} %",
        "no_data": "no data",
        "level_from": "from {dbm} dBm",
        "level_below": ("not counted as covered (under {dbm} dBm, or under the threshold "
                        "plus the shadow-fading margin)"),
        "covered": "4G/5G coverage", "not_covered": "no 4G/5G coverage",
        "passed": "passed by fibre", "not_passed": "not passed by fibre",
        "extension": "extension", "check_new": "newly covered",
        "check_already": "covered by the new cells, already covered",
        "check_rf": "RF compliance distance",
        "check_sharing": "sharing distance",
        "background": "Background",
        "hillshade_note": "Terrain from the scenario's DEM (hillshade, sun from the north-west); "
                          "no network needed.",
        "no_dem": "The scenario has no DEM: plain background, no terrain.",
        "attribution": "coverage-gis; terrain from the scenario's DEM",
        "pointer_help": "Move the pointer over the map to see coordinates",
        "pointer_lonlat": "WGS 84: {lat}, {lon}", "pointer_xy": "VN-2000 ({crs}): x {x}, y {y}",
        "pointer_outside_zone": "VN-2000 ({crs}): outside the area this CRS is used in",
        "measure": "Measure", "measure_help": "Measure a distance: click the start, then the "
                                              "end (Esc to stop)",
        "measure_second": "Click the end point", "measure_result": "Distance: {distance}",
        "hamlet_id": "hamlet id", "households": "households", "share_mbb": "4G/5G",
        "share_ftth": "fibre", "mbb_target": "4G/5G target met",
        "ftth_target": "fibre target met", "yes": "yes", "no": "no",
        "technologies": "technologies", "territory": "territory",
        "inside_unit": "inside the unit", "outside_unit": "outside the unit",
        "household": "household", "fibre_route": "fibre route", "length": "length",
        "kind": "kind", "ports": "ports", "ports_used": "{used} of {total} used",
        "cable": "cable", "boxes": "boxes", "cost": "cost",
        "households_gained": "households gained", "m4_after": "M4 after",
        "sharing_pair": "Could be shared", "min_distance": "minimum distance",
    },
}


def web_words(lang: str = "vi") -> dict[str, str]:
    """The words of the local web app in ``lang`` ("vi" or "en")."""
    return _WEB[_lang(lang)]


# Every Vietnamese template of the pages, reasons and skipped parts writes its numbers with a
# decimal comma (the web app's words are filled in by its script, which does the same).
_WORDS["vi"] = localised(_WORDS["vi"], "vi")
for _texts in (*_REASONS.values(), *_SKIPPED.values()):
    _texts["vi"] = localised(_texts["vi"], "vi")
