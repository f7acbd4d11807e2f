# linli: two commands. `make run` starts the demo on http://127.0.0.1:8000;
# `make test` installs what tests need and runs the whole suite on SQLite and PostgreSQL.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PY := .venv/bin/python
# linli refuses to start without its own keys unless told it is a demo or development copy
# (linli/settings.py). Every target here is one; production starts with scripts/serve.sh.
export LINLI_MODE ?= demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv venv-test demo migrate system-test-deps test-sqlite test-postgres bench messages vendor clean

venv:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
	uv sync --frozen --no-group test --inexact --quiet

venv-test:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
	uv sync --frozen --group test --quiet

migrate: venv
	$(PY) manage.py migrate --no-input -v0

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py demo_logins
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

system-test-deps:
	bash scripts/install-test-deps.sh

test: system-test-deps venv-test
	bash scripts/test.sh

bench: venv-test
	bash scripts/bench.sh

messages: venv-test
	$(PY) manage.py makemessages -l en --no-obsolete -i ".venv/*" -i "bench/*" -i "var/*" -i "artifacts/*"
	$(PY) linli/locale/en_translations.py
	$(PY) scripts/compile_messages.py

vendor:
	bash scripts/vendor.sh

clean:
	rm -rf var .venv
