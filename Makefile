# Every target creates or reuses .venv and installs the project (with its dev extra) into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: app test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The compiled simulation engine compiles once per machine (~18 CPU s, then cached in
	# __pycache__): here, so neither the app's first simulation nor a test pays for it.
	$(BIN)/python -c "from simulator.compiled import warm; warm()"
	touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --server.port 8501 --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest

# pyworkforce (compared against in bench_erlang.py and bench_roster.py) lives only in its own environment: it pulls
# in ortools, pandas and joblib, none of which the planner needs.
BENCH_VENV  := bench/.venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp

$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e . pyworkforce==0.5.1
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python bench/bench_erlang.py
	$(BENCH_VENV)/bin/python bench/bench_roster.py
	$(BIN)/python bench/bench_simulator.py
	$(BIN)/python bench/bench_plan.py
	$(BIN)/python bench/bench_verdict.py
	$(BIN)/python bench/bench_optimal.py
	$(BIN)/python bench/bench_app.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_memory.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .ruff_cache .hypothesis
