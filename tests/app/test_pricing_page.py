"""The Pricing page with streamlit.testing's AppTest: the default scenario's models at
P10/P50/P90 and its term, the figures ``ccplan price`` computes."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from scenarios import plan
from scenarios.cli.price import price_data
from scenarios.examples import load_example

APP = str(Path(__file__).parents[2] / "app.py")


def test_pricing_page_shows_the_models_and_the_term_of_the_default():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.radio(key="page").set_value("Pricing").run()
    assert not at.exception, at.exception
    assert not at.error
    analysis, term = price_data(plan(load_example("default")))
    contract = analysis.named("contract")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Client pays per year (P50)"] == f"{contract.client_cost[1]:,.0f} EUR"
    assert metrics["Provider's cost per year (P50)"] == f"{analysis.provider_cost[1]:,.0f} EUR"
    models = at.dataframe[0].value
    assert list(models["model"]) == [m.name for m in analysis.models]
    years = at.dataframe[1].value
    assert list(years["price"])[:3] == [f"{y.price:,.0f} EUR" for y in term.years]
    assert any("3 years from 2027-01-04" in h.value for h in at.subheader)
