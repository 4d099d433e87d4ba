"""案件管理: the 开采矿产品价值（万元） input of a mining case (saved through the version-checked write), and the
case's field photos listed under its form."""

from __future__ import annotations

from cases.evidence import attach_photos
from cases.store import SQLiteStore
from tests.cases.evidence.photo_fixtures import photo
from tests.ui.conftest import page_app, stored_case

MINE, LAND = "CK-2019-001", "YD-2019-001"
LABEL = "开采矿产品价值（万元）"


def _open(case_id: str, user: str = "张三"):
    at = page_app("page_cases", user=user).run()
    at.selectbox(key="edit_case").set_value(case_id).run()
    return at


def _submit(at) -> None:
    next(b for b in at.button if b.label == "保存修改").click().run()


class TestMinedValue:
    def test_a_mining_case_has_the_input_and_saves_it_audited(self, demo_db):
        at = _open(MINE)
        box = at.number_input(key=f"e_{MINE}_mined_value_wan")
        assert (box.label, box.value, box.proto.has_min, box.proto.min) == (LABEL, None, True, 0.0)
        before = stored_case(demo_db, MINE).version
        box.set_value(12.5)
        _submit(at)
        assert not at.exception
        assert at.success[0].value == f"已保存案件 {MINE} 的 1 处修改（{LABEL}），现为版本 {before + 1}。"
        case = stored_case(demo_db, MINE)
        assert (case.mined_value_wan, case.version, case.updated_by) == (12.5, before + 1, "张三")
        log = at.dataframe[-1].value  # newest first
        assert log.iloc[0][["修改人", "字段", "原值", "新值"]].tolist() == ["张三", LABEL, "", "12.5"]

    def test_it_can_be_emptied_again(self, demo_db):
        s = SQLiteStore(demo_db)
        s.update_case(MINE, {"mined_value_wan": 30.0}, expected_version=s.get_case(MINE).version, user="测试")
        s.close_all()
        at = _open(MINE)
        box = at.number_input(key=f"e_{MINE}_mined_value_wan")
        assert box.value == 30.0
        box.set_value(None)
        _submit(at)
        assert not at.exception and LABEL in at.success[0].value
        assert stored_case(demo_db, MINE).mined_value_wan is None

    def test_a_land_case_has_no_such_input(self, demo_db):
        at = _open(LAND)
        keys = {w.key for w in at.number_input}
        assert f"e_{LAND}_fine_wan" in keys and f"e_{LAND}_mined_value_wan" not in keys


class TestPhotos:
    def test_the_case_photos_are_listed(self, demo_db):
        s = SQLiteStore(demo_db)
        attach_photos(s, MINE, [("坑口.jpg", photo())], user="张三")
        s.close_all()
        at = _open(MINE)
        assert not at.exception
        assert any(m.value == f"**案件 {MINE} 的现场照片（1 张）**" for m in at.markdown)
        assert len(at.get("image")) == 1
        assert any(t.value.startswith("坑口.jpg｜张三 ") for t in at.get("text"))

    def test_a_case_without_photos_says_so(self, demo_db):
        at = _open(LAND)
        assert any(m.value == f"**案件 {LAND} 的现场照片（0 张）**" for m in at.markdown)
        assert "还没有现场照片。" in [c.value for c in at.caption]
