.PHONY: all demo test bootstrap lint bench clean

all: test

bootstrap:
	bash scripts/bootstrap.sh

demo: bootstrap
	.venv/bin/hotline demo

test:
	bash scripts/test.sh

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench: bootstrap
	.venv/bin/python -m bench.run_all

clean:
	rm -rf .venv var
