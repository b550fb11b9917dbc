"""Scenario files: readable errors naming file, field and allowed values; lossless round trip."""

import json
from pathlib import Path

import pytest
import yaml

from scenarios import ScenarioError, load_scenario, save_scenario
from scenarios.io import parse_scenario

DEFAULT = Path(__file__).parents[2] / "scenarios" / "examples" / "default.yaml"


def default_data() -> dict:
    return yaml.safe_load(DEFAULT.read_text())


def write(tmp_path, data, name="s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def mutate(change):
    data = default_data()
    change(data)
    return data


def voice_demand(d):
    return d["channels"][0]["demand"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(days="many"), r"days: must be a valid integer"),
        (
            lambda d: voice_demand(d).update(aht_min=5),
            r"channels\[0\]\.demand\.aht_min: unknown field",
        ),
        (
            lambda d: voice_demand(d).update(volume_per_day=-5),
            r"channels\[0\]\.demand\.volume_per_day: must be greater than or equal to 0",
        ),
        (
            lambda d: voice_demand(d).update(intraday_profile=[0.5, 0.2]),
            r"intraday_profile: intraday shares must add up to 1, they add up to 0.7",
        ),
        (
            lambda d: voice_demand(d).update(intraday_profile=[0.5, 0.5]),
            r"intraday_profile has 2 shares; 15-minute intervals need 96",
        ),
        (lambda d: d.update(interval_minutes=7), r"interval_minutes: must be one of 15, 30 or 60"),
        (
            lambda d: d["channels"][0].update(
                intraday_bands=[
                    {"start": "07:00", "end": "12:00", "aht_s": 300},
                    {"start": "11:00", "end": "13:00", "aht_s": 200},
                ]
            ),
            r"channels\[0\]: intraday_bands overlap",
        ),
        (
            lambda d: d["channels"][1].update(
                intraday_bands=[{"start": "08:00", "end": "12:00", "patience_s": 60}]
            ),
            r"channels\[1\]: intraday_bands give `patience_s` but the channel has no `patience`",
        ),
        (
            lambda d: d["channels"][0].update(intraday_bands=[{"start": "12:00", "end": "08:00"}]),
            r"channels\[0\]\.intraday_bands\[0\]: `start` 12:00 must be before `end` 08:00",
        ),
        (
            lambda d: voice_demand(d).update(day_of_week_factors=[1e300, 1, 1, 1, 1, 0, 0]),
            r"channels\[0\]\.demand\.day_of_week_factors: factors must be numbers in \[0, 100\]",
        ),
        (
            lambda d: d["targets"][1].update(channel="fax"),
            r"targets\[1\]\.channel 'fax' is not a channel; channels are: voice, email",
        ),
        (
            lambda d: d["targets"][0].update(service_level=80),
            r"targets\[0\]\.service_level: must be a fraction in \[0, 1\], got 80; use 0.8 for 80%",
        ),
        (
            lambda d: d["targets"][0].update(sl_definition="answered"),
            r"targets\[0\]\.sl_definition: must be 'of_offered', 'excl_short_abandons' or "
            r"'of_answered'",
        ),
        (
            lambda d: d["workforce"]["shrinkage"].update(absence=0.9),
            r"workforce\.shrinkage: .*add up to 1.08; they must stay below 1",
        ),
        (
            lambda d: d["channels"][1].update(patience={"kind": "exponential", "mean_s": 60}),
            r"deferred contacts do not abandon",
        ),
        (
            lambda d: d["channels"][0]["handle_time"].update(kind="weibull"),
            r"handle_time\.kind: must be one of 'exponential', 'lognormal'",
        ),
        (lambda d: d["targets"][0].pop("threshold_s"), r"`service_level` needs `threshold_s`"),
        (
            lambda d: d["channels"][0]["opening_hours"].update(monday=["19:00", "07:00"]),
            r"opening_hours\.monday: opening 19:00 must be before closing 07:00",
        ),
        (
            lambda d: d["pricing"].update(model="hybrid", per_contact=0),
            r"pricing model hybrid needs a rate > 0 for per_contact",
        ),
    ],
)
def test_malformed_scenario_gives_one_message_naming_file_and_field(tmp_path, change, message):
    path = write(tmp_path, mutate(change))
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(path)
    assert str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = DEFAULT.read_text().replace("days: 28", "days: [28")
    with pytest.raises(ScenarioError, match=r"s\.yaml: not valid YAML at line \d+, column \d+"):
        load_scenario(write(tmp_path, text))


def test_json_and_missing_files(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(default_data(), default=str))
    assert load_scenario(path).name == "Service desk (default)"
    path.write_text("{not json")
    with pytest.raises(ScenarioError, match=r"s\.json: not valid JSON at line 1"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match=r"nope\.yaml: cannot read the file"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        parse_scenario(["a", "list"])


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip_keeps_everything(tmp_path, suffix):
    original = load_scenario(DEFAULT)
    path = tmp_path / f"copy{suffix}"
    save_scenario(original, path)
    again = load_scenario(path)
    assert again == original
    # Nothing the user wrote is dropped: every value of the source file survives.
    saved = yaml.safe_load(path.read_text())

    def contains(big, small):
        if isinstance(small, dict):
            return all(k in big and contains(big[k], v) for k, v in small.items())
        if isinstance(small, list):
            return len(big) == len(small) and all(
                contains(b, s) for b, s in zip(big, small, strict=True)
            )
        return big == small or str(big) == str(small)

    assert contains(saved, json.loads(json.dumps(default_data(), default=str)))
