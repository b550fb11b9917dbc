"""Shared hypothesis strategies: realistic-to-extreme contact-center inputs (units in names)."""

from hypothesis import strategies as st

calls_per_hour = st.floats(min_value=0.0, max_value=20_000.0, allow_nan=False)
positive_calls_per_hour = st.floats(min_value=1.0, max_value=20_000.0, allow_nan=False)
aht_s = st.floats(min_value=10.0, max_value=3_600.0, allow_nan=False)
patience_s = st.floats(min_value=1.0, max_value=3_600.0, allow_nan=False)
threshold_s = st.sampled_from([0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 600.0])
agents = st.integers(min_value=0, max_value=2_000)
load_erlangs = st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False)
fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)

#: The ``QueueKPIs`` fields that are probabilities (in [0, 1]).
PROBABILITY_FIELDS = (
    "p_wait",
    "p_abandon",
    "service_level",
    "service_level_excl_short_abandons",
    "service_level_of_answered",
    "occupancy",
)
