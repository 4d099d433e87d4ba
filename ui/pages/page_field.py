"""Page: 现场核查 — on the phone at the site: photograph, find the case (or the cases near the photo), save in one step."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.county import county_of
from cases.evidence import attach_photos, photo_bytes, photos_frame
from cases.evidence.images import PhotoInfo, read_photo
from cases.evidence.maplayer import photo_lines, photo_points, photos_map_layer
from cases.evidence.measure import gps_problem, max_distance_m, nearest_cases
from cases.model import STATUSES
from geo.errors import CasemapError
from geo.webmap.maps import build_check_map
from geo.webmap.photos import add_layer, photo_layer
from ui import common

#: session_state keys of this page.
KEY_CASE = "field_case"
KEY_SEARCH = "field_search"
KEY_CAMERA_ON = "field_camera_on"
KEY_ROUND = "field_round"  # bumped after a save: new, empty photo widgets
KEY_DONE = "field_done"
KEY_LAST = "field_last_case"  # the case saved to last: offered first, so its new photos show
NO_PROPOSAL = "（不提出）"
#: Large touch targets and one column on a phone.
PHONE_CSS = """<style>
.stButton button, .stDownloadButton button, [data-testid="stFileUploaderDropzone"] button { min-height: 3rem; font-size: 1.05rem; }
[data-testid="stCameraInput"] button { min-height: 3rem; }
</style>"""


def render() -> None:
    """Draw the page."""
    st.header("现场核查")
    st.html(PHONE_CSS)
    readonly = common.read_only("把照片保存到案件")
    store = common.store()
    cases = common.load_cases(common.db_path(), common.version())
    st.session_state.setdefault(KEY_ROUND, 0)
    done = st.session_state.pop(KEY_DONE, None)
    if done:
        st.success(done[0], icon=":material/check_circle:")
        for note in done[1]:
            st.warning(note)

    st.subheader("1. 拍照或选择照片")
    st.caption("用手机相机拍照后在这里选择照片，照片才带拍摄位置和时间（浏览器内拍照通常没有定位信息）。")
    rnd = st.session_state[KEY_ROUND]
    uploads = st.file_uploader("选择照片（可多张）", type=["jpg", "jpeg", "png", "heic", "heif"],
                               accept_multiple_files=True, key=f"field_files_{rnd}")
    shot = None
    if st.toggle("在浏览器中拍照", key=KEY_CAMERA_ON):
        shot = st.camera_input("拍照", key=f"field_camera_{rnd}")
    photos = [(f.name, f.getvalue()) for f in uploads or []]
    if shot is not None:
        photos.append((shot.name or "camera.jpg", shot.getvalue()))
    infos = _read_all(photos)
    position = next(((i.lon, i.lat) for _, i in infos if _placed(i)), None)

    st.subheader("2. 找到案件")
    case_id = _pick_case(store, cases, position)
    if case_id is None:
        return
    case = cases.loc[cases["case_id"] == case_id].iloc[0]
    st.text(f"{case_id}｜{case['township']}｜{case['party'] or ''}｜{case['status']}｜{case['location'] or ''}")
    _small_map(store, cases, case_id, [(n, i) for n, i in infos if _placed(i)])

    st.subheader("3. 备注并保存")
    note = st.text_area("现场核查情况", key=f"field_note_{rnd}", height=100,
                        placeholder="如：现场已复垦；坑口东侧仍有开采痕迹")
    proposal = st.selectbox("建议办理状态（由县局审核，不直接修改案件）", [NO_PROPOSAL, *STATUSES],
                            key=f"field_status_{rnd}")
    if st.button("保存到案件", type="primary", width="stretch", disabled=not photos or readonly, key="field_save"):
        try:
            report = attach_photos(store, case_id, photos, note=note,
                                   proposed_status=None if proposal == NO_PROPOSAL else proposal)
        except CasemapError as exc:
            common.show_error(exc)
        else:
            for n in report.notes:
                st.warning(n)
            if report.added:
                st.session_state[KEY_DONE] = (f"已保存 {len(report.added)} 张照片到案件 {case_id}" + (
                    f"，建议状态：{report.proposed_status}" if report.proposed_status else ""), report.notes)
                st.session_state[KEY_ROUND] = rnd + 1
                st.session_state[KEY_LAST] = case_id
                st.rerun()
    if not photos and not readonly:
        st.caption("先拍照或选择照片，再保存。")
    case_photos(store, case_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _photo_points(path: str, version: int, account_key: str, ids: tuple[str, ...]) -> dict | None:
    cases = common.load_cases(path, version)
    return photo_points(common.store(), cases[cases["case_id"].isin(set(ids))])


def add_photo_layer(m, cases) -> None:
    """Add the 现场照片 layer (camera icons, thumbnails, a line to the case when far) of ``cases`` to map ``m``."""
    points = _photo_points(common.db_path(), common.version(), common.account_key(), tuple(cases["case_id"]))
    if points is not None:
        add_layer(m, photo_layer(**points))


def _read_all(photos: list[tuple[str, bytes]]) -> list[tuple[str, PhotoInfo]]:
    """What each readable photo says about itself; a bad one is reported here, before anything is saved."""
    out = []
    for name, data in photos:
        try:
            out.append((name, read_photo(data, name=name)[0]))
        except CasemapError as exc:
            common.show_error(exc)
    return out


def _placed(info: PhotoInfo) -> bool:
    return info.lon is not None and gps_problem(info.lon, info.lat) is None


def _pick_case(store, cases: pd.DataFrame, position: tuple[float, float] | None) -> str | None:
    """A search box and the cases near the photo's position; the chosen case id."""
    options: list[str] = []
    labels: dict[str, str] = {}
    last = st.session_state.get(KEY_LAST)
    if last in set(cases["case_id"]):
        options.append(last)
        labels[last] = "刚保存"
    if position is not None:
        near = nearest_cases(cases, *position, area_crs=county_of(store).area_crs)
        options = list(near["case_id"]) + [c for c in options if c not in set(near["case_id"])]
        labels.update({c: f"附近 {d:.0f} 米" if d else "照片在案件范围内" for c, d in zip(near["case_id"], near["distance_m"])})
        st.caption(f"照片位置：东经 {position[0]:.6f}°，北纬 {position[1]:.6f}°；下列为最近的案件。")
    text = st.text_input("搜索案件（编号、当事人、地点、乡镇）", key=KEY_SEARCH).strip()
    if text:
        hay = cases[["case_id", "party", "location", "township", "summary"]].fillna("").astype(str).agg(" ".join, axis=1)
        options += [c for c in cases.loc[hay.str.contains(text, case=False, regex=False), "case_id"] if c not in options]
    if not options:
        st.info("拍照或选择带定位信息的照片后列出附近案件；或输入案件编号、当事人、地点搜索。")
        return None
    by_id = cases.set_index("case_id")

    def label(c: str) -> str:
        row = by_id.loc[c]
        return "｜".join(x for x in (c, str(row["township"] or ""), str(row["party"] or ""), labels.get(c, "")) if x)

    if st.session_state.get(KEY_CASE) not in options:
        st.session_state.pop(KEY_CASE, None)
    return st.radio("案件", options[:20], key=KEY_CASE, format_func=label)


def _small_map(store, cases: pd.DataFrame, case_id: str, pending: list[tuple[str, PhotoInfo]]) -> None:
    """The case, its saved photos and the photos about to be saved (those with a position), on a small map."""
    row = cases.loc[cases["case_id"] == case_id]
    geom = row.geometry.iloc[0]
    if geom is None or geom.is_empty:
        st.caption("该案件未定位（没有坐标），不能在地图上显示。")
        return
    m = build_check_map(geom, label=case_id, assets=common.map_assets(), height=280)
    layer = photos_map_layer(store, row, case_id=case_id)
    if layer is not None:
        add_layer(m, layer)
    if pending:
        add_layer(m, photo_layer([i.lon for _, i in pending], [i.lat for _, i in pending],
                                 texts=[[f"待保存：{n}"] for n, _ in pending], far=[False] * len(pending),
                                 targets=[geom] * len(pending), name="待保存照片"))
    st_folium(m, key="field_map", height=280, use_container_width=True, returned_objects=[])


def case_photos(store, case_id: str) -> None:
    """The photos of one case: thumbnail, time, position, distance, flags and note (also for the case detail)."""
    try:
        frame = photos_frame(store, case_id)
    except CasemapError as exc:
        common.show_error(exc)
        return
    st.markdown(f"**案件 {case_id} 的现场照片（{len(frame)} 张）**")
    if frame.empty:
        st.caption("还没有现场照片。")
        return
    limit = max_distance_m(store.get_meta("photo_max_distance_m"))
    for rec in frame.to_dict("records"):
        left, right = st.columns([1, 2])
        try:
            left.image(photo_bytes(store, case_id, rec["sha256"], thumb=True))
        except CasemapError as exc:
            left.caption(str(exc))
        right.text("\n".join(photo_lines(rec, limit_m=limit)[1:]))
        right.text(f"{rec['original_name']}｜{rec['added_by']} {common.shown_time(rec['added_at'])}")
