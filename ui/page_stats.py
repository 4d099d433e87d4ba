"""Page: 乡镇统计."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    """Draw the page."""
    st.header("乡镇统计")
    st.info("本页面正在建设中。")
