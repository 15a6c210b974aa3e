# Haechi: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# Routing multiplies small matrices per text: BLAS threads only fight the web and test workers
# for the cores (measured: CPU time 10-25x on a loaded 2-core machine). Override to change.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: run test install lint typecheck pytest migrations-check demo worker messages clean

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

# Start Haechi with demo data on SQLite at http://127.0.0.1:$(PORT), with the task worker.
run: $(STAMP)
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py createcachetable
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py load_ecosystem_indicators
	DEBUG=1 $(PY) manage.py import_bizinfo
	DEBUG=1 $(PY) manage.py import_statutes --sectors --skip-index
	DEBUG=1 PORT=$(PORT) $(PY) manage.py serve_with_worker --port $(PORT)

# Lint, type check, migrations check and the test suite (DATABASE_URL selects the database).
test: $(STAMP) lint typecheck migrations-check pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy core accounts agencies firms regulations barriers routing programs surveys insights register bulk_filing open311 privacy haechi

migrations-check: $(STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# pytest exits 5 when a selection collects no test: say so plainly rather than fail the run.
pytest: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests ran for this selection"; exit 0; fi; exit $$rc

worker: $(STAMP)
	DEBUG=1 $(PY) manage.py db_worker

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l en --ignore=.venv --ignore=static --ignore=staticfiles
	DEBUG=1 $(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
