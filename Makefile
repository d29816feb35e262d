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

# make bench            every benchmark at its documented size (hours: see bench/README.md)
# make bench BENCH=ivr  one of them (tickets, ivr, asr, stats, kb); BENCH_ARGS="--steps 20,50" passes options
bench:
	bash scripts/bootstrap.sh --bench
	.venv/bin/hotline bench $(or $(BENCH),all) $(BENCH_ARGS)

clean:
	rm -rf .venv var
