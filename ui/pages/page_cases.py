"""Page: 案件管理 — add a case, edit fields and status, with validation, audit log and conflict check; the
case's field photos are listed below its form (:func:`ui.pages.page_field.case_photos`).

The edit form's widgets take their values from ``st.session_state`` only, set from the stored case when
the form is (re)loaded: Streamlit sends a keyed widget's value to the browser only when the app sets it
there, so 重新载入 shows the stored case in the browser too, and the next save starts from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from cases.ledger.rows import next_seq
from cases.model import (
    CATEGORIES,
    CATEGORY_SHORT,
    COUNTY,
    FIELD_LABELS,
    KINDS,
    LEDGER_FIELDS,
    STATUSES,
    Case,
    LedgerField,
    category_kind,
    consistency_notes,
    validate_case,
)
from cases.permissions import COUNTY_ONLY_FIELDS
from geo.errors import CasemapError, ConflictError
from ui import common
from ui.geometry_input import geometry_input
from ui.pages.page_field import case_photos

#: Fields casemap keeps beside the ledger columns, editable on this page (kind and id are fixed).
HEAD_FIELDS = (
    LedgerField("township", FIELD_LABELS["township"], "township"),
    LedgerField("status", FIELD_LABELS["status"], "status"),
    LedgerField("category", FIELD_LABELS["category"], "category"),
    LedgerField("found_date", FIELD_LABELS["found_date"], "date"),
    LedgerField("permit_no", FIELD_LABELS["permit_no"], "text", ("mining",)),
)
LONG_TEXT = {"summary", "penalty", "handling", "remarks"}
#: Number fields that cannot be negative in the widget itself (empty allowed), with the help shown beside them.
NON_NEGATIVE = {"mined_value_wan": "单位：万元；不知道时留空（移送标准此时按基本情况等文字中写明的价值判断）"}
ACTIONS = {"create": "新增", "update": "修改", "delete": "删除"}
EDIT_PICK = "edit_case"


def render() -> None:
    """Draw the page."""
    st.header("案件管理")
    common.show_notes()
    # a read-only account sees the forms with their save buttons disabled (an empty user disables them)
    user = "" if common.read_only("修改、新增或删除案件") else common.user_name()
    edit_tab, add_tab = st.tabs(["编辑案件", "新增案件"])
    with edit_tab:
        _edit(user)
    with add_tab:
        _add(user)


# -- editing --------------------------------------------------------------------------------

def _ver_key(case_id: str) -> str:
    """The version of the case the form was loaded at."""
    return f"edit_version_{case_id}"


def _seen_key(case_id: str) -> str:
    """How many audit rows the case had when the form was loaded (later ones are other people's changes)."""
    return f"edit_audit_seen_{case_id}"


def _prefix(case_id: str) -> str:
    return f"e_{case_id}"


def _edit(user: str) -> None:
    s = common.store()
    cases = common.load_cases(common.db_path(), common.version())
    ids = cases["case_id"].tolist()
    if not ids:
        st.info("案件库中还没有案件。")
        return
    default = st.session_state.get(common.KEY_SELECTED_CASE)
    if EDIT_PICK not in st.session_state and default in ids:
        st.session_state[EDIT_PICK] = default
    case_id = st.selectbox("选择案件", ids, key=EDIT_PICK)
    case = s.get_case(case_id)
    if _ver_key(case_id) not in st.session_state or f"{_prefix(case_id)}_status" not in st.session_state:
        _load(s, case)
    editing = st.session_state[_ver_key(case_id)]
    st.caption(f"版本 {case.version}，最后由 {case.updated_by or '—'} 于 {common.shown_time(case.updated_at) or '—'} 修改；"
               f"您正在编辑版本 {editing}。")
    stale = case.version != editing
    if stale:
        st.warning(f"案件 {case_id} 在您打开后已被 {case.updated_by or '他人'} 修改（现为版本 {case.version}，"
                   f"您编辑的是版本 {editing}），修改如下；此时保存会被拒绝。请点“重新载入”读入最新内容后再修改。",
                   icon=":material/sync_problem:")
        _others_changes(s, case_id)
    st.button("重新载入（放弃未保存的修改）", key=f"reload_{case_id}", on_click=_reload, args=(case_id,))

    new_geom = None
    if st.checkbox("同时修改位置（图形）", key=f"edit_geom_{case_id}"):
        new_geom = geometry_input(key=f"edit_geom_in_{case_id}")
    with st.form(f"edit_form_{case_id}"):
        values = _fields(case.kind, _values_of(case), prefix=_prefix(case_id))
        submitted = st.form_submit_button("保存修改", type="primary", disabled=not user)
    if submitted:
        if new_geom is not None:
            values["geometry"] = new_geom
        if _save(s, case, values, editing, user) and not stale:  # changed between this page's read and the save
            _others_changes(s, case_id)
            st.button("重新载入（放弃未保存的修改）", key=f"reload_conflict_{case_id}", on_click=_reload, args=(case_id,))
    st.subheader("现场照片")
    case_photos(s, case_id)
    _audit(s, case_id)
    if user:
        _delete(s, case, editing)


def _delete(s, case: Case, editing: int) -> None:
    """删除案件: a soft delete with a reason (the record and its history are kept; the domain checks the role)."""
    with st.expander("删除案件"):
        st.caption("删除后案件不再出现在地图、统计和台账中；案件内容、删除人、时间和原因都保留，修改记录不删除。")
        with st.form(f"delete_form_{case.case_id}"):
            reason = st.text_input("删除原因（必填）", key=f"delete_reason_{case.case_id}")
            sure = st.checkbox(f"确认删除案件 {case.case_id}", key=f"delete_sure_{case.case_id}")
            go = st.form_submit_button("删除案件", disabled=False)
        if go:
            if not sure:
                st.error("请先勾选“确认删除”")
                return
            try:
                s.delete_case(case.case_id, expected_version=editing, reason=reason)
            except CasemapError as exc:
                common.show_error(exc)
                return
            st.session_state.pop(EDIT_PICK, None)
            st.success(f"已删除案件 {case.case_id}（原因：{reason.strip()}）。")


def _load(s, case: Case) -> None:
    """Fill the form from the stored ``case`` (through st.session_state, so the browser shows it too)."""
    prefix = _prefix(case.case_id)
    for f in HEAD_FIELDS + LEDGER_FIELDS:
        if case.kind in f.kinds:
            st.session_state[f"{prefix}_{f.name}"] = _widget_value(f, getattr(case, f.name), case.kind)
    st.session_state[f"edit_geom_{case.case_id}"] = False
    st.session_state[_ver_key(case.case_id)] = case.version
    st.session_state[_seen_key(case.case_id)] = len(s.audit(case_id=case.case_id))


def _reload(case_id: str) -> None:
    """重新载入: drop the unsaved edits and load the case as stored now (a button callback, run before the page)."""
    s = common.store()
    _load(s, s.get_case(case_id))


def _others_changes(s, case_id: str) -> None:
    """Who changed what in the case since the form was loaded: the audit rows written after it."""
    log = s.audit(case_id=case_id).iloc[st.session_state.get(_seen_key(case_id), 0):]
    st.dataframe(_log_table(log), hide_index=True, key=f"conflict_{case_id}")


def _save(s, case: Case, values: dict[str, Any], editing: int, user: str) -> bool:
    """Save the form's changes; True when refused because someone else changed the case (a conflict)."""
    changes = {k: v for k, v in values.items() if not _same(getattr(case, k), v)}
    if not changes:
        st.info("没有修改任何内容。")
        return False
    errors = validate_case(case.with_changes(**changes))
    if errors:
        st.error("未保存，请更正：\n\n" + "\n".join(f"- {e}" for e in errors))
        return False
    try:
        new = s.update_case(case.case_id, changes, expected_version=editing, user=user)
    except ConflictError as exc:
        st.error(f"保存冲突：{exc}", icon=":material/sync_problem:")
        return True
    except CasemapError as exc:
        common.show_error(exc)
        return False
    st.session_state[_ver_key(case.case_id)] = new.version
    st.session_state[_seen_key(case.case_id)] = len(s.audit(case_id=case.case_id))
    labels = "、".join(FIELD_LABELS.get(k, "位置" if k == "geometry" else k) for k in changes)
    st.success(f"已保存案件 {case.case_id} 的 {len(changes)} 处修改（{labels}），现为版本 {new.version}。")
    for note in consistency_notes(new):
        st.warning(note + "；请核对。")
    return False


def _audit(s, case_id: str) -> None:
    st.subheader("修改记录")
    log = s.audit(case_id=case_id)
    if log.empty:
        st.caption("暂无修改记录。")
        return
    st.dataframe(_log_table(log).iloc[::-1], hide_index=True, key=f"audit_{case_id}")


def _log_table(log: pd.DataFrame) -> pd.DataFrame:
    """Audit rows in Chinese: 时间, 修改人, 操作, 字段, 原值, 新值 (oldest first)."""
    log = log[["at", "user", "action", "field", "old", "new"]].astype(object)
    log = log.where(log.notna(), None)
    log = log.assign(
        action=log["action"].map(lambda a: ACTIONS.get(a, a)),
        at=log["at"].map(common.shown_time), field=log["field"].map(common.field_label),
        old=log["old"].map(_short), new=log["new"].map(_short),
    )
    log.columns = ["时间", "修改人", "操作", "字段", "原值", "新值"]
    return log


def _short(v: Any) -> str:
    text = common.shown_value(v)
    return text if len(text) <= 60 else text[:57] + "…"


# -- adding ---------------------------------------------------------------------------------

def _add(user: str) -> None:
    s = common.store()
    kind = st.radio("案件类型", list(KINDS), format_func=KINDS.get, horizontal=True, key="add_kind")
    st.markdown("**位置**（必填）")
    geom = geometry_input(key="add_geom")
    with st.form("add_form"):
        case_id = st.text_input("案件编号", key="add_case_id", placeholder="如 YD-2019-101 / CK-2019-045")
        blank = Case(case_id="", kind=kind, category=1 if kind == "land" else 6, township=_own_township())
        values = _fields(kind, _values_of(blank), prefix="add")
        submitted = st.form_submit_button("新增案件", type="primary", disabled=not user)
    if not submitted:
        return
    case = blank.with_changes(case_id=case_id.strip(), geometry=geom, **values)
    known = common.load_cases(common.db_path(), common.version())
    if case.seq is None and case.township:  # the next number of its township's ledger, stored and audited
        case = case.with_changes(seq=next_seq(known, kind=case.kind, township=case.township))
    errors = validate_case(case)
    if case.case_id and case.case_id in set(known["case_id"]):
        errors.insert(0, f"案件编号「{case.case_id}」已存在，请换一个编号，或到“编辑案件”中修改该案件")
    if errors:
        st.error("未保存，请更正：\n\n" + "\n".join(f"- {e}" for e in errors))
        return
    try:
        s.upsert_cases([case], user=user, expected_versions={case.case_id: 0})
    except ConflictError:
        st.error(f"案件编号「{case.case_id}」刚刚已被他人新增，您的案件未保存；请换一个编号，或到“编辑案件”中修改该案件。")
        return
    except CasemapError as exc:
        common.show_error(exc)
        return
    st.success(f"已新增案件 {case.case_id}（{KINDS[kind]}，{case.township}，台账序号 {case.seq}）。")


# -- the form -------------------------------------------------------------------------------

def _values_of(case: Case) -> dict[str, Any]:
    return {f.name: getattr(case, f.name) for f in HEAD_FIELDS + LEDGER_FIELDS}


def _fields(kind: str, current: dict[str, Any], *, prefix: str) -> dict[str, Any]:
    """Draw one widget per field the kind has; return the entered values."""
    out: dict[str, Any] = {}
    groups: dict[str, list[LedgerField]] = {"案件信息": [f for f in HEAD_FIELDS if kind in f.kinds]}
    for f in LEDGER_FIELDS:
        if kind in f.kinds:
            groups.setdefault(f.group or "台账", []).append(f)
    for title, items in groups.items():
        st.markdown(f"**{title}**")
        for i in range(0, len(items), 2):  # a row per pair: on a phone the fields stack in the ledger's order
            for col, f in zip(st.columns(2), items[i:i + 2]):
                with col:
                    out[f.name] = _widget(f, current.get(f.name), kind, key=f"{prefix}_{f.name}")
    return out


def _widget_value(f: LedgerField, value: Any, kind: str) -> Any:
    """The value a field's widget holds for ``value`` (an option of a select box, "" for no text, …)."""
    if f.type in ("township", "status", "category"):
        opts = _options(f, kind)
        return value if value in opts else opts[0]
    if f.type == "bool":
        return bool(value)
    if f.type in ("int", "float"):
        return None if value is None else (int(value) if f.type == "int" else float(value))
    if f.type == "date":
        return value
    if f.name == "county":
        return value or COUNTY
    return value or ""


def _own_township() -> str:
    """The township a new case starts in: a township account's own (it may add no other), else the first."""
    me, options = common.account(), _township_options()
    return me.township if me.role == "township" and me.township in options else options[0]


def _township_options() -> list[str]:
    """The current division's townships, then older ones (a case keeps the township declared at the time)."""
    return common.township_choices(common.db_path(), common.version())


def _options(f: LedgerField, kind: str) -> list:
    if f.type == "township":
        return _township_options()
    if f.type == "status":
        return list(STATUSES)
    return [k for k in CATEGORIES if category_kind(k) == kind]


def _widget(f: LedgerField, value: Any, kind: str, *, key: str) -> Any:
    """One field's widget; its value lives in st.session_state[key] (``value`` only when the key is new)."""
    if key not in st.session_state or (f.type in ("township", "status", "category")
                                       and st.session_state[key] not in _options(f, kind)):
        st.session_state[key] = _widget_value(f, value, kind)
    label = f.label
    if f.type == "category":
        return st.selectbox(label, _options(f, kind), key=key, format_func=lambda k: f"{k}. {CATEGORY_SHORT[k]}")
    if f.type in ("township", "status"):
        return st.selectbox(label, _options(f, kind), key=key)
    if f.type == "date":
        return st.date_input(label, value=None, key=key, format="YYYY-MM-DD",
                             min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))
    if f.type == "bool":  # 验收情况: a township account may not tick them (the domain refuses it), so it cannot
        locked = f.name in COUNTY_ONLY_FIELDS and common.account().role == "township"
        return st.checkbox(label, key=key, disabled=locked, help="县级验收和销号由领导组（县级）填写" if locked else None)
    if f.type == "int":
        return st.number_input(label, value=None, step=1, key=key)
    if f.type == "float" and f.name in NON_NEGATIVE:
        return st.number_input(label, value=None, min_value=0.0, step=0.1, format="%.2f", key=key, help=NON_NEGATIVE[f.name])
    if f.type == "float":
        return st.number_input(label, value=None, step=0.1, format="%.2f", key=key)
    if f.name in LONG_TEXT:
        return st.text_area(label, key=key, height=80)
    return st.text_input(label, key=key)


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, float) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    if hasattr(a, "equals") and hasattr(b, "equals") and not isinstance(a, (pd.Series, pd.DataFrame)):
        return a.equals(b)
    return a == b
