"""Streamlit drawing code of casemap: one module per page, plus shared helpers in ``common``."""
