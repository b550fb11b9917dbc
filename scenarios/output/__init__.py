"""Outputs drawn from typed results: export (CSV/JSON), report (Markdown), plots (PNG)."""
