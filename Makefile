# The two commands a newcomer needs: `make dev` runs Herald, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The rule tests query a real Prometheus (Debian's package); installed once, as root or with sudo.
PROMETHEUS := /usr/bin/prometheus
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(PROMETHEUS):
	@command -v apt-get >/dev/null || { echo "the tests need Prometheus: install the 'prometheus' package"; exit 1; }
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends prometheus \
	  || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends prometheus; }

# The matcher tests compare Herald's parser with Alertmanager's `amtool` (Debian's package), installed the same way;
# the same package's `prometheus-alertmanager` sends real webhooks in tests/integration/test_alertmanager_webhook_real.py.
AMTOOL := /usr/bin/amtool
$(AMTOOL):
	@command -v apt-get >/dev/null || { echo "the tests need amtool: install the 'prometheus-alertmanager' package"; exit 1; }
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends prometheus-alertmanager \
	  || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends prometheus-alertmanager; }

dev: $(STAMP)
	$(BIN)/herald dev

test: $(STAMP) $(PROMETHEUS) $(AMTOOL)
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
