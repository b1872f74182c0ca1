# The two commands a newcomer needs: `make dev` runs Herald, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint bench clean console console-check

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

# The console's browser tests drive Debian's Chromium (never a browser Playwright downloads), installed the same way.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the console tests need Chromium: install the 'chromium' package"; exit 1; }
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium \
	  || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium; }

# The web console (console/): built with the machine's Node.js into api/console_dist/, which the API
# serves and the wheel carries. Rebuilt only when its sources changed; `npm ci` only when the lockfile did.
CONSOLE_DIST := api/console_dist/index.html
CONSOLE_DEPS := console/node_modules/.installed
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/package.json \
	console/vite.config.ts console/tsconfig.json
$(CONSOLE_DEPS): console/package-lock.json
	@command -v npm >/dev/null || { echo "the console needs Node.js (npm) to build: install the 'nodejs' package"; exit 1; }
	cd console && npm ci --no-audit --no-fund
	touch $@
$(CONSOLE_DIST): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	cd console && npm run build

console: $(CONSOLE_DIST)

# The typed client cannot drift from the API: regenerate it from the OpenAPI document and diff; then
# the console's own checks (tsc strict, eslint, Vitest).
console-check: $(STAMP) $(CONSOLE_DEPS)
	$(BIN)/python console/dump_openapi.py
	cd console && npm run --silent generate
	git diff --exit-code -- console/openapi.json console/src/api/schema.ts \
	  || { echo "console/openapi.json or schema.ts changed: commit the regenerated files"; exit 1; }
	cd console && npm run typecheck && npm run lint && npm test

dev: $(STAMP)
	@$(MAKE) --no-print-directory console || echo "make dev: the console is not built (see above); the API runs without it"
	$(BIN)/herald dev

test: $(STAMP) $(PROMETHEUS) $(AMTOOL) $(CHROMIUM) console-check $(CONSOLE_DIST)
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
