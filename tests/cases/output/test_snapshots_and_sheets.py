"""Map snapshots, check sheets and atlases written by ``python -m cases snapshot|sheet`` on a demo store."""

from __future__ import annotations

import io

import numpy as np
import pytest
import shapely
from PIL import Image
from pypdf import PdfReader

from cases.cli.main import main
from cases.demo import init_demo
from cases.filters import CaseFilter, filter_mask, parse_filters
from cases.output.fonts import font_family
from cases.output.sheets import sheet_data, sheet_page, write_sheets
from cases.service import check_store
from cases.store import open_store
from geo.crs import lonlat_to_gk, to_area_crs
from geo.errors import ValidationError
from geo.printmap.furniture import STYLE

PT_PER_MM = 72 / 25.4


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("briefing") / "demo.db"
    init_demo(open_store(path, create=True))
    return path


@pytest.fixture(scope="module")
def store(db):
    return open_store(db)


@pytest.fixture(scope="module")
def checks(store):
    return check_store(store)


def pdf_text(path) -> tuple[int, str, list]:
    reader = PdfReader(str(path))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages), reader.pages


def kept(cases, items: list[str], *, checks=None):
    """The cases the ``--filter`` ``items`` keep."""
    return cases[filter_mask(cases, checks, parse_filters(items))]


class TestFilters:
    def test_values_are_normalised(self):
        f = parse_filters(["kind=采矿", "status=已立案,查处整改中", "flag=越界开采", "category=越界开采",
                           "township=峨口镇", "flag=no_permit"])
        assert f == CaseFilter(kinds=("mining",), statuses=("已立案", "查处整改中"), flags=("OUT_OF_BOUNDS", "NO_PERMIT"),
                               categories=(7,), townships=("峨口镇",))

    @pytest.mark.parametrize(("item", "message"), [
        ("kind", "格式不对，应为 键=值"),
        ("colour=red", "键「colour」无效，应为：kind、status、flag、category、township"),
        ("status=done", "「done」无效，办理状态应为：排查发现、已立案"),
        ("category=11", "「11」无效，违法类别应为：1–10"),
        ("flag=BAD", "核查标记应为：TOWNSHIP_MISMATCH（乡镇不符）"),
        ("township=北京", "乡镇应为：上馆镇"),
    ])
    def test_bad_filters_are_refused_naming_the_allowed_values(self, item, message):
        with pytest.raises(ValidationError, match=message):
            parse_filters([item])

    def test_keys_and_values_combine(self, store, checks):
        cases = store.cases()
        mining = kept(cases, ["kind=mining"])
        assert len(mining) == 44 and set(mining["kind"]) == {"mining"}
        seven = kept(cases, ["kind=mining", "category=7"])
        assert set(seven["category"]) == {7} and len(seven) == int((cases["category"] == 7).sum())
        either = kept(cases, ["status=已立案", "status=已销号"])
        assert len(either) == int(cases["status"].isin(["已立案", "已销号"]).sum())
        oob = kept(cases, ["flag=OUT_OF_BOUNDS"], checks=checks)
        expected = {c for c, fl in zip(checks["case_id"], checks["flags"]) if "OUT_OF_BOUNDS" in fl}
        assert set(oob["case_id"]) == expected and len(expected) > 0


class TestSnapshotCommand:
    def test_png_size_follows_dpi_and_page(self, db, tmp_path):
        out = tmp_path / "map.png"
        assert main(["snapshot", "--out", str(out), "--dpi", "100", "--landscape", "--db", str(db)]) == 0
        w, h = Image.open(out).size
        assert abs(w - 1169) <= 1 and abs(h - 827) <= 1
        out2 = tmp_path / "a3.png"
        assert main(["snapshot", "--out", str(out2), "--dpi", "50", "--size", "A3", "--db", str(db)]) == 0
        w, h = Image.open(out2).size
        assert abs(w - 585) <= 1 and abs(h - 827) <= 1

    def test_township_pdf_carries_every_text_element(self, db, tmp_path, capsys):
        out = tmp_path / "ekou.pdf"
        assert main(["snapshot", "--township", "峨口镇", "--filter", "kind=mining", "--out", str(out),
                     "--date", "2019-07-15", "--landscape", "--db", str(db)]) == 0
        assert "已生成地图" in capsys.readouterr().out
        n, text, pages = pdf_text(out)
        assert n == 1
        box = pages[0].mediabox
        assert float(box.width) == pytest.approx(297 * PT_PER_MM, abs=1) and float(box.height) == pytest.approx(
            210 * PT_PER_MM, abs=1)
        for piece in ("代县峨口镇非法违法用地用矿案件分布图", "制图范围：代县峨口镇（筛选：类型=采矿）", "2019年7月15日",
                      "图", "县界", "采矿许可范围", "比例尺", "CGCS2000", "38带", "制图单位：代县自然资源局",
                      "示例数据", "乡镇界线为示意", "峨口镇"):
            assert piece in text, piece

    def test_case_snapshot_labels_the_case_and_its_permit(self, db, store, tmp_path):
        case = store.get_case("CK-2019-004")
        out = tmp_path / "case.pdf"
        assert main(["snapshot", "--case", case.case_id, "--out", str(out), "--unit", "测试制图单位",
                     "--db", str(db)]) == 0
        _, text, _ = pdf_text(out)
        assert f"案件 {case.case_id} 位置图" in text and case.case_id in text and "测试制图单位" in text
        if case.permit_no:
            assert case.permit_no in text

    @pytest.mark.parametrize(("args", "message"), [
        (["--out", "x.jpg"], "扩展名应为 .png 或 .pdf"),
        (["--out", "x.png", "--township", "北京镇"], "乡镇「北京镇」不在乡镇界线图层中"),
        (["--out", "x.png", "--filter", "kind=gold"], "「gold」无效"),
        (["--out", "x.png", "--dpi", "5"], "分辨率"),
    ])
    def test_bad_requests_exit_2_in_chinese(self, db, tmp_path, capsys, args, message):
        args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
        assert main(["snapshot", *args, "--db", str(db)]) == 2
        assert message in capsys.readouterr().err


class TestCheckSheet:
    def out_of_bounds_case(self, checks) -> str:
        return next(c for c, fl in zip(checks["case_id"], checks["flags"]) if "OUT_OF_BOUNDS" in fl)

    def test_one_a4_page_with_measures_coordinates_ledger_and_signatures(self, db, store, checks, tmp_path):
        cid = self.out_of_bounds_case(checks)
        out = tmp_path / "sheet.pdf"
        assert main(["sheet", cid, "--out", str(out), "--db", str(db)]) == 0
        n, text, pages = pdf_text(out)
        assert n == 1
        assert float(pages[0].mediabox.width) == pytest.approx(210 * PT_PER_MM, abs=1)
        row = checks.set_index("case_id").loc[cid]
        for piece in ("案件核查单", cid, "越界开采", "核查人", "审核人", "日期", "违法主体", "基本情况（摘要）",
                      "处罚决定及执行情况", "追刑情况（人）", f"{row['area_mu']:.2f} 亩", f"{row['outside_area_mu']:.2f} 亩",
                      f"{row['max_outside_distance_m']:.1f} m", "示例数据"):
            assert piece in text, piece
        g = store.get_case(cid).geometry
        lon, lat = np.asarray(g.exterior.coords)[0]
        x, y = lonlat_to_gk(lon, lat)
        assert f"{float(x):.2f}" in text and f"{float(y):.2f}" in text and f"{lon:.6f}" in text

    def test_outside_part_is_hatched_in_red_on_the_sheet(self, store, checks):
        cid = self.out_of_bounds_case(checks)
        data = sheet_data(store, [cid], unit="代县自然资源局")[0]
        page = sheet_page(data, font=font_family(), dpi=150)
        ax = next(a for a in page.fig.axes if a.get_label() == "map")
        buf = io.BytesIO()
        page.fig.savefig(buf, format="png", dpi="figure")
        img = np.asarray(Image.open(buf).convert("RGB")).astype(int)
        red = np.array([0xE8, 0x00, 0x1C])
        assert STYLE["outside"]["edgecolor"].lower() == "#e8001c"
        case = to_area_crs(data.geometry).iloc[0]
        permit = to_area_crs(data.permit).iloc[0]
        out_pt = shapely.point_on_surface(shapely.difference(case, permit).buffer(-3))
        in_pt = shapely.point_on_surface(shapely.intersection(case, permit).buffer(-3))

        def share_red(pt, r):
            x, y = ax.transData.transform((pt.x, pt.y))
            row = round(img.shape[0] - y)
            win = img[row - r:row + r, int(x) - r:int(x) + r]
            return (np.abs(win - red).sum(axis=2) < 80).mean()

        assert share_red(out_pt, 6) > 0.05
        assert share_red(in_pt, 2) == 0

    def test_township_atlas_has_a_page_per_case(self, db, store, tmp_path):
        out = tmp_path / "atlas.pdf"
        assert main(["sheet", "--township", "峪口乡", "--out", str(out), "--db", str(db)]) == 0
        cases = store.cases()
        ids = sorted(cases.loc[cases["township"] == "峪口乡", "case_id"])
        n, text, _ = pdf_text(out)
        assert n == len(ids) > 1
        assert all(i in text for i in ids)
        assert f"第 1 页，共 {n} 页" in text

    def test_point_case_sheet_says_area_is_declared(self, store, tmp_path):
        cases = store.cases()
        point = cases[cases.geometry.geom_type == "Point"].iloc[0]
        out = tmp_path / "point.pdf"
        assert write_sheets(store, out, [point["case_id"]]) == 1
        _, text, _ = pdf_text(out)
        assert "点位案件，台账亩数" in text

    @pytest.mark.parametrize(("args", "message"), [
        (["--out", "x.pdf"], "二者选一"),
        (["YD-2019-001", "--township", "峪口乡", "--out", "x.pdf"], "二者选一"),
        (["NOPE", "--out", "x.pdf"], "没有编号为「NOPE」的案件"),
        (["YD-2019-001", "--out", "x.png"], "扩展名应为 .pdf"),
        (["--township", "北京镇", "--out", "x.pdf"], "乡镇「北京镇」无效"),
    ])
    def test_bad_requests(self, db, tmp_path, capsys, args, message):
        args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
        assert main(["sheet", *args, "--db", str(db)]) == 2
        assert message in capsys.readouterr().err
