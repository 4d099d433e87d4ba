"""Page: 案件管理."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    """Draw the page."""
    st.header("案件管理")
    st.info("本页面正在建设中。")
