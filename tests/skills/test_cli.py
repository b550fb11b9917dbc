"""``ccplan skills``: the design's verdict as text and JSON, one-line errors with exit 2, and
``ccplan check`` gaining the design's section when the scenario has ``skills:``."""

import json

from scenarios.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_design_as_given_in_json_names_its_method_and_every_clause(capsys):
    code, out, err = run(
        capsys, "skills", "blended", "--no-search", "--replications", "5", "--json",
        "--executor", "serial",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["pools"][0]["name"] == "blended" and data["pools"][0]["reserve_agents"] == 3
    assert "95% bound" in data["method"] and data["pooling_gain"] == []
    design = data["design"]
    assert set(design["clauses"]) == {"voice", "email"}
    clauses = {c["clause"] for cs in design["clauses"].values() for c in cs}
    assert clauses == {"service_level", "max_abandon"}
    voice_sl = design["clauses"]["voice"][0]["periods"][0]
    assert voice_sl["ci_low"] <= voice_sl["simulated"] <= voice_sl["ci_high"]
    assert design["replications"] == 5 and design["engine"] == "simpy"


def test_errors_are_one_line_with_exit_2(capsys):
    code, out, err = run(capsys, "skills", "default", "--no-search")
    assert code == 2 and err.count("\n") == 1
    assert "the scenario has no `skills:` section" in err
    code, out, err = run(capsys, "skills", "blended", "--standard", "80%")
    assert code == 2 and "--standard: standard '80%'" in err and err.count("\n") == 1


def test_ccplan_check_adds_the_design_only_when_the_scenario_has_skills():
    from scenarios.cli import build_parser
    from scenarios.cli.skills import skills_document

    def document(name):
        args = build_parser().parse_args(
            ["check", name, "--replications", "3", "--executor", "serial"]
        )
        return skills_document(args)

    assert document("default") == {}
    data = document("blended")["skills"]
    assert data["design"]["replications"] == 3 and data["pooling_gain"] == []
