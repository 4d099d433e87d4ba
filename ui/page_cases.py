"""Page: 案件管理 — add a case, edit fields and status, with validation, audit log and conflict check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from cases.model import (
    CATEGORIES,
    CATEGORY_SHORT,
    COUNTY,
    FIELD_LABELS,
    KINDS,
    LEDGER_FIELDS,
    STATUSES,
    TOWNSHIPS,
    Case,
    LedgerField,
    category_kind,
    consistency_notes,
    validate_case,
)
from geo.errors import CasemapError, ConflictError
from ui import common
from ui.geometry_input import geometry_input

#: Fields casemap keeps beside the ledger columns, editable on this page (kind and id are fixed).
HEAD_FIELDS = (
    LedgerField("township", FIELD_LABELS["township"], "township"),
    LedgerField("status", FIELD_LABELS["status"], "status"),
    LedgerField("category", FIELD_LABELS["category"], "category"),
    LedgerField("found_date", FIELD_LABELS["found_date"], "date"),
    LedgerField("permit_no", FIELD_LABELS["permit_no"], "text", ("mining",)),
)
LONG_TEXT = {"summary", "penalty", "handling", "remarks"}
ACTIONS = {"create": "新增", "update": "修改"}
EDIT_PICK = "edit_case"


def render() -> None:
    """Draw the page."""
    st.header("案件管理")
    common.show_notes()
    user = common.user_name()
    if not user:
        st.warning("请先在左侧栏填写您的姓名：每一处修改都会记录修改人、时间、原值和新值。")
    edit_tab, add_tab = st.tabs(["编辑案件", "新增案件"])
    with edit_tab:
        _edit(user)
    with add_tab:
        _add(user)


# -- editing --------------------------------------------------------------------------------

def _ver_key(case_id: str) -> str:
    return f"edit_version_{case_id}"


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
    vkey = _ver_key(case_id)
    if vkey not in st.session_state:
        st.session_state[vkey] = case.version
    editing = st.session_state[vkey]
    st.caption(f"版本 {case.version}，最后由 {case.updated_by or '—'} 于 {case.updated_at or '—'} 修改；"
               f"您正在编辑版本 {editing}。")
    if st.button("重新载入（放弃未保存的修改）", key=f"reload_{case_id}"):
        _forget(case_id)
        st.rerun()

    new_geom = None
    if st.checkbox("同时修改位置（图形）", key=f"edit_geom_{case_id}"):
        new_geom = geometry_input(key=f"edit_geom_in_{case_id}")
    with st.form(f"edit_form_{case_id}"):
        values = _fields(case.kind, _values_of(case), prefix=f"e_{case_id}")
        submitted = st.form_submit_button("保存修改", type="primary", disabled=not user)
    if submitted:
        if new_geom is not None:
            values["geometry"] = new_geom
        _save(s, case, values, editing, user)
    _audit(s, case_id)


def _save(s, case: Case, values: dict[str, Any], editing: int, user: str) -> None:
    changes = {k: v for k, v in values.items() if not _same(getattr(case, k), v)}
    if not changes:
        st.info("没有修改任何内容。")
        return
    errors = validate_case(case.with_changes(**changes))
    if errors:
        st.error("未保存，请更正：\n\n" + "\n".join(f"- {e}" for e in errors))
        return
    try:
        new = s.update_case(case.case_id, changes, expected_version=editing, user=user)
    except ConflictError as exc:
        st.error(f"保存冲突：{exc}", icon=":material/sync_problem:")
        return
    except CasemapError as exc:
        common.show_error(exc)
        return
    st.session_state[_ver_key(case.case_id)] = new.version
    labels = "、".join(FIELD_LABELS.get(k, "位置" if k == "geometry" else k) for k in changes)
    st.success(f"已保存案件 {case.case_id} 的 {len(changes)} 处修改（{labels}），现为版本 {new.version}。")
    for note in consistency_notes(new):
        st.warning(note + "；请核对。")


def _forget(case_id: str) -> None:
    for k in [k for k in st.session_state if str(k).startswith((f"e_{case_id}_", _ver_key(case_id)))]:
        del st.session_state[k]


def _audit(s, case_id: str) -> None:
    st.subheader("修改记录")
    log = s.audit(case_id=case_id)
    if log.empty:
        st.caption("暂无修改记录。")
        return
    log = log.astype(object).where(log.notna(), None)
    log = log.assign(
        action=log["action"].map(lambda a: ACTIONS.get(a, a)),
        field=log["field"].map(lambda f: FIELD_LABELS.get(f, "位置" if f == "geometry" else f) if f else ""),
        old=log["old"].map(_short), new=log["new"].map(_short),
    ).drop(columns="case_id").iloc[::-1]
    log.columns = ["时间", "修改人", "操作", "字段", "原值", "新值"]
    st.dataframe(log, hide_index=True, key=f"audit_{case_id}")


def _short(v: Any) -> str:
    text = "" if v is None else str(v)
    return text if len(text) <= 60 else text[:57] + "…"


# -- adding ---------------------------------------------------------------------------------

def _add(user: str) -> None:
    s = common.store()
    kind = st.radio("案件类型", list(KINDS), format_func=KINDS.get, horizontal=True, key="add_kind")
    st.markdown("**位置**（必填）")
    geom = geometry_input(key="add_geom")
    with st.form("add_form"):
        case_id = st.text_input("案件编号", key="add_case_id", placeholder="如 YD-2019-101 / CK-2019-045")
        blank = Case(case_id="", kind=kind, category=1 if kind == "land" else 6, township=TOWNSHIPS[0])
        values = _fields(kind, _values_of(blank), prefix="add")
        submitted = st.form_submit_button("新增案件", type="primary", disabled=not user)
    if not submitted:
        return
    case = blank.with_changes(case_id=case_id.strip(), geometry=geom, **values)
    errors = validate_case(case)
    if case.case_id and case.case_id in set(common.load_cases(common.db_path(), common.version())["case_id"]):
        errors.insert(0, f"案件编号「{case.case_id}」已存在，请换一个编号，或到“编辑案件”中修改该案件")
    if errors:
        st.error("未保存，请更正：\n\n" + "\n".join(f"- {e}" for e in errors))
        return
    try:
        s.upsert_cases([case], user=user)
    except CasemapError as exc:
        common.show_error(exc)
        return
    st.success(f"已新增案件 {case.case_id}（{KINDS[kind]}，{case.township}）。")


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
        cols = st.columns(2)
        for i, f in enumerate(items):
            with cols[i % 2]:
                out[f.name] = _widget(f, current.get(f.name), kind, key=f"{prefix}_{f.name}")
    return out


def _widget(f: LedgerField, value: Any, kind: str, *, key: str) -> Any:
    label = f.label
    if f.type == "township":
        return st.selectbox(label, TOWNSHIPS, index=TOWNSHIPS.index(value) if value in TOWNSHIPS else 0, key=key)
    if f.type == "status":
        return st.selectbox(label, STATUSES, index=STATUSES.index(value) if value in STATUSES else 0, key=key)
    if f.type == "category":
        opts = [k for k in CATEGORIES if category_kind(k) == kind]
        return st.selectbox(label, opts, index=opts.index(value) if value in opts else 0, key=key,
                            format_func=lambda k: f"{k}. {CATEGORY_SHORT[k]}")
    if f.type == "date":
        return st.date_input(label, value=value, key=key, format="YYYY-MM-DD",
                             min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))
    if f.type == "bool":
        return st.checkbox(label, value=bool(value), key=key)
    if f.type == "int":
        return st.number_input(label, value=None if value is None else int(value), step=1, key=key)
    if f.type == "float":
        return st.number_input(label, value=None if value is None else float(value), step=0.1, format="%.2f", key=key)
    if f.name == "county":
        return st.text_input(label, value=value or COUNTY, key=key)
    if f.name in LONG_TEXT:
        return st.text_area(label, value=value or "", key=key, height=80)
    return st.text_input(label, value=value or "", key=key)


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, float) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    if hasattr(a, "equals") and hasattr(b, "equals") and not isinstance(a, (pd.Series, pd.DataFrame)):
        return a.equals(b)
    return a == b
