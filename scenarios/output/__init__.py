"""Outputs drawn from typed results: export (CSV/JSON), report (HTML, and its PDF with the
`pdf` extra), plots (PNG)."""
