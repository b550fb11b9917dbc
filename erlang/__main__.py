"""``python -m erlang``: print a staffing example (what ``make app`` runs until the app lands)."""

from . import SLDefinition, required_agents


def main() -> None:
    print("Staffing for 1,200 calls/h, AHT 300 s, target 80% answered within 20 s")
    for patience_s in (None, 180.0):
        result = required_agents(
            1200, 300, patience_s=patience_s, service_level=0.8, threshold_s=20
        )
        print()
        print(
            "Erlang C (nobody abandons)" if patience_s is None else "Erlang A (mean patience 180 s)"
        )
        print(result.summary())
    print()
    print(f"SL definition used for the target: {SLDefinition.OF_OFFERED.describe(20)}")


if __name__ == "__main__":
    main()
