"""Page: 专项行动进度."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    """Draw the page."""
    st.header("专项行动进度")
    st.info("本页面正在建设中。")
