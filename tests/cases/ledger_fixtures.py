"""Small ledgers built in the tests: a township's 附件2 in the seed layout, flat tables, geometry helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import shapely

from cases.io.geodata import load_shipped_boundaries
from cases.store import SQLiteStore, open_store
from geo.crs import lonlat_to_gk

#: Points well inside 峨口镇 / 胡峪乡 of the approximate layer (lon, lat).
EKOU = (113.20, 39.085)
HUYU = (113.21, 38.96)

LAND_HEAD1 = ["序号", "县\n（市、区）", "基本情况（摘要）", "查处情况", None, None, None, None, None, None, None,
              "验收情况", None, None]
LAND_HEAD2 = [None, None, None, "处理方式", "立案机关", "立案时间", "处罚决定及执行情况", "追刑情况（人）", "追责情况（人）",
              "移送法院执行情况", "备注", "县级", "市级", "省级"]


def empty_store(path: Path) -> SQLiteStore:
    """A store holding the shipped county and approximate townships, and no cases."""
    store = open_store(path, create=True)
    county, towns = load_shipped_boundaries()
    store.replace_boundaries("county", county, user="test")
    store.replace_boundaries("township", towns, user="test")
    return store


def square_wkt(lon: float, lat: float, d: float = 0.001) -> str:
    """A small lon/lat square as WKT."""
    return shapely.box(lon, lat, lon + d, lat + d).wkt


def corner_cell(lon: float, lat: float, d: float = 0.001) -> str:
    """A square as a 拐点 list ``1,X,Y;2,X,Y;…`` in GK zone 38 with the prefix."""
    xs, ys = lonlat_to_gk([lon, lon + d, lon + d, lon], [lat, lat, lat + d, lat + d])
    return ";".join(f"{i + 1},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(zip(xs, ys)))


def land_rows() -> list[list[Any]]:
    """Three land rows in the official column order (without extras)."""
    return [
        [1, "代县", "代县东庄建材有限公司于2018年3月在峨口镇东庄村以设施农业为名非法占地12.5亩", "责令限期拆除", "代县自然资源局",
         "2019.6.4", "拆除违法建筑，罚款3万元", 0, "1人", "", "", "否", "否", "否"],
        [2, "代县", "张某某于2019年5月在峨口镇西河村非法占地建房", "", "", None, "", None, None, "", "<b>急</b><script>x</script>",
         "", "", ""],
        [3, "代县", "李某2017年在峨口镇南沟村违反规划建设厂房１２.５亩", "没收", "代县自然资源局", "2019年7月1日",
         "没收地上建筑物", "", "", "已申请法院强制执行", "", "是", "否", "否"],
    ]


def write_township_ledger(path: Path, rows: list[list[Any]] | None = None, *, extra: dict[str, list[Any]] | None = None,
                          unit: str = "峨口镇人民政府", blank_row: bool = True, move_remarks: bool = False) -> Path:
    """An 附件2 as a township fills it: 附件2, title, 填报单位 line, (a blank row), merged two-level header,
    rows, 填表说明 and 填报人 footer.  ``extra`` adds columns (label → values) right of the official ones."""
    rows = land_rows() if rows is None else rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件2"
    ws["A1"] = "附件2"
    ws["A2"] = "代县违法违规用地清单"
    ws.merge_cells("A2:N2")
    ws["A3"] = f"填报单位：{unit}                                  填报时间：2019 年 6 月 18 日"
    top = 5 if blank_row else 4
    head1, head2 = list(LAND_HEAD1), list(LAND_HEAD2)
    data = [list(r) for r in rows]
    extra = extra or {}
    for label, values in extra.items():
        head1.append(label)
        head2.append(None)
        for r, v in zip(data, values):
            r.append(v)
    if move_remarks:  # 备注 moved to the far right
        for seq in (head1, head2, *data):
            seq.append(seq.pop(10))
    for c, v in enumerate(head1, start=1):
        ws.cell(row=top, column=c, value=v)
    for c, v in enumerate(head2, start=1):
        ws.cell(row=top + 1, column=c, value=v)
    for c in (1, 2, 3):
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
    cq = head1.index("查处情况") + 1
    ws.merge_cells(start_row=top, start_column=cq, end_row=top, end_column=cq + (6 if move_remarks else 7))
    cy = head1.index("验收情况") + 1
    ws.merge_cells(start_row=top, start_column=cy, end_row=top, end_column=cy + 2)
    for k in range(len(extra)):
        c = 15 + k
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
    r = top + 2
    for row in data:
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
        r += 1
    ws.cell(row=r, column=1, value="填表说明")
    ws.cell(row=r, column=3, value="1、“基本情况”简要说明违法主体、时间、地点、亩数等情况；")
    ws.cell(row=r + 2, column=1, value="填报人：")
    ws.cell(row=r + 2, column=6, value="审核人：")
    wb.save(path)
    return path


def first_data_row(blank_row: bool = True) -> int:
    """The Excel row number of the first data row of :func:`write_township_ledger`."""
    return 7 if blank_row else 6
