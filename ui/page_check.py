"""Page: 越界核查."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    """Draw the page."""
    st.header("越界核查")
    st.info("本页面正在建设中。")
