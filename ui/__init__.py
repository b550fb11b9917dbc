"""Streamlit-free helpers of the app (forms, layouts)."""
