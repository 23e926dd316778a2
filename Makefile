# The README's commands. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp

.PHONY: demo test check lint typecheck pytest quick-tests calendar bench translations clean system-deps screenshots

# `BOOKING_NOW=2026-12-31T23:20:00Z make demo` (or `make test`) runs as of that instant.
export BOOKING_NOW

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## Run the sandbox (demo seed) and the widget against it; prints the URL to open.
demo: $(STAMP)
	$(BIN)/booking-app demo

## Every check: lint, format, types, all tests, and the calendar runs.
test: $(STAMP) system-deps lint typecheck pytest calendar

## The inner loop (under a minute): lint, types, and the tests that start no browser,
## no widget server and nothing slow.
check: lint typecheck quick-tests

## Debian packages the tests run for real (redis-server; chromium for tests/browser).
system-deps:
	./scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP) $(BENCH_STAMP)  # bench/ is type-checked too: it needs locust and pyinstrument
	$(BIN)/mypy

# pytest exits 5 when it collected nothing: that is a failure, not a pass.
# tests/bench runs a tiny benchmark, so the tests need the bench extra (locust) too.
pytest: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

quick-tests: $(STAMP)
	$(BIN)/python -m pytest -q -m "not integration and not browser and not slow" \
	  --ignore=tests/bench; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

## The integration and sandbox tests (and a browser booking) as of each hard instant of
## the calendar: next Wednesday 10:00, Saturday 16:00 and Sunday 12:00 in Berlin,
## Dec 31 23:20 UTC, both DST nights at 00:40 UTC (scripts/calendar_instants.py).
calendar: $(STAMP) $(BENCH_STAMP) system-deps
	./scripts/test_calendar.sh $(BIN)/python

## The README's screenshots (docs/screenshots/), taken by the browser tests' journey.
screenshots: $(STAMP) system-deps
	BOOKING_REQUIRE_BROWSER=1 BOOKING_SCREENSHOTS=docs/screenshots \
	  $(BIN)/python -m pytest -q -p no:randomly tests/browser/test_screenshots.py

## Benchmarks against a baseline: prints a table, writes bench/results/*.json (bench/README.md).
## Longer runs: make bench BENCH_ARGS="--duration 30 --rounds 3 --journeys 200".
$(BENCH_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## Re-extract UI strings, fill catalogs from translations/tables/[*/]<lang>.json, compile.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --project booking-app \
	  --copyright-holder "booking-app authors" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
	  --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python scripts/fill_catalog.py en
	status=0; for table in translations/tables/*.json; do \
	  $(BIN)/python scripts/fill_catalog.py $$(basename $$table .json) || status=1; done; \
	$(BIN)/pybabel compile -d translations >/dev/null && exit $$status

clean:
	rm -rf $(VENV) .demo build *.egg-info .mypy_cache .pytest_cache .ruff_cache
