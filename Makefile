# tocsin - the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= var/tocsin.db
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup run test bench clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; the install is editable, so code changes need nothing.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# The tests also train a tiny e5 layer, which needs torch (the `train` extra, a CPU build); serving does not.
TRAIN_STAMP := $(VENV)/.installed-train
$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,train]'
	@touch $(TRAIN_STAMP)

run: setup
	@mkdir -p var
	$(BIN)/tocsin demo load --db $(DB)
	@key=$$($(BIN)/tocsin keys create --role admin --label make-run --db $(DB) | tail -n 1); \
	  if $(BIN)/tocsin users list --db $(DB) | grep -q '^admin\b'; then \
	    login="console user admin exists (its password was shown when it was made; or log in with the key)"; \
	  else \
	    pw=$$($(BIN)/tocsin users create admin --role admin --generate-password --db $(DB) | tail -n 1); \
	    login="console login (shown once): admin / $$pw"; \
	  fi; \
	  echo ""; \
	  echo "  tocsin is starting on http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/docs)"; \
	  echo "  $$login"; \
	  echo "  admin key (shown once): $$key"; \
	  echo "  try: curl -H \"Authorization: Bearer $$key\" http://$(HOST):$(PORT)/v1/decisions"; \
	  echo ""
	exec $(BIN)/tocsin serve --db $(DB) --host $(HOST) --port $(PORT)

# The whole suite, against SQLite and a throw-away PostgreSQL that scripts/with-postgres.sh installs and starts,
# with the console tested in Debian's Chromium, which scripts/ensure-chromium.sh installs.
test: setup $(TRAIN_STAMP)
	scripts/ensure-chromium.sh
	TOCSIN_REQUIRE_BROWSER=1 scripts/with-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
