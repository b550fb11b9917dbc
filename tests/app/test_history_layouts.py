"""The History page reads a real-format export with a bundled layout, shows the prediction
intervals with their coverage and the in-sample label, and calibrates the week."""

from tests.app.test_app import open_page, scenario
from tests.scenarios.history.test_import_formats import APR


def test_technion_week_with_the_bundled_layout_calibrates_the_week():
    at = open_page("History")
    at.file_uploader(key="hist_records_upload").set_value(
        (APR.name, APR.read_bytes(), "text/plain")
    )
    at.selectbox(key="hist_layout").set_value("technion")
    at.button(key="hist_run").click().run()  # one run: the upload, the layout and the click
    assert not at.exception and not at.error
    assert any("rows read" in m.value for m in at.markdown)
    assert any("Prediction intervals (80%)" in m.value for m in at.markdown)
    assert any("in\\-sample estimate" in m.value for m in at.markdown)  # plain() escapes
    assert any("busy intervals (" in c.value for c in at.caption)
    at.button(key="hist_calibrate_run").click().run()
    assert not at.exception
    voice = scenario(at).channels[0]
    assert voice.opening_hours["friday"] == ("07:00", "14:00")
    assert set(voice.demand.weekday_profiles) >= {"sunday", "monday", "friday"}
    evidence = at.dataframe[-1].value  # the sample size behind every band's AHT and patience
    assert {"weekday", "band", "answered", "abandoned"} <= set(evidence.columns)
    assert "friday" in set(evidence["weekday"])
