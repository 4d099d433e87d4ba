"""Page: 导入导出."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    """Draw the page."""
    st.header("导入导出")
    st.info("本页面正在建设中。")
