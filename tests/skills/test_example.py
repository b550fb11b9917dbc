"""The bundled blended example meets the issue's bar: the shared voice + email pool needs fewer
FTE than separate voice and email teams sized by the same simulation search, and meets both
clauses when simulated on a fresh seed."""

from scenarios.examples import load_example
from scenarios.pipeline import plan
from scenarios.skills.design import separate_teams
from scenarios.skills.search import search_design


def test_blending_saves_fte_and_meets_both_clauses_on_fresh_seeds():
    scenario = load_example("blended")
    result = plan(scenario)
    options = dict(replications=10, seed=4)
    shared = search_design(result, **options)
    separate = search_design(result, separate_teams(scenario), label="separate", **options)
    assert shared.verified and separate.verified
    assert shared.fresh.meets and set(shared.fresh.risks) == {"voice", "email"}
    # Both clauses of voice (SL, abandonment) and email's SL hold on the fresh seed.
    assert {c for rs in shared.fresh.risks.values() for c in rs} == {
        "service_level",
        "max_abandon",
    }
    saved = separate.final.fte - shared.final.fte
    assert saved > 1.0, (separate.final.fte, shared.final.fte)
