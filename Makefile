# One entry point. Every target sets up .venv/ first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST ?= $(PY) -m pytest
JOBS ?= 2
STAMP := $(VENV)/.installed

.PHONY: install test browser-test-deps grade check fixtures examples stubs notebooks release gradescope prairielearn bench clean

install: $(STAMP)

# Re-install whenever the pinned dependencies change.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# uv installs in seconds what takes pip a minute and more; pip where uv cannot.
	($(PY) -m pip install --quiet --disable-pip-version-check uv && \
		$(PY) -m uv pip install --quiet --compile-bytecode --python $(PY) .) || \
		$(PY) -m pip install --quiet --disable-pip-version-check .
	$(PY) -m compileall -q autograder  # where Python may not write them (PYTHONDONTWRITEBYTECODE)
	touch $@

# torch, when it installs (about 750 MB; NO_TORCH=1 skips it), is an extra oracle for the fast
# layers and optimizers; the tests that need it skip without it. The suite runs on every core
# (pytest-xdist; TEST_JOBS=1 runs it in one process).
TEST_JOBS ?= auto
test: $(STAMP) browser-test-deps
	[ -n "$(NO_TORCH)" ] || $(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0 || true
	$(PYTEST) -n $(TEST_JOBS)

# The written page is tested in a real browser: Playwright driving Debian's chromium (never
# `playwright install`). Installed when possible (apt needs root); the test skips without them.
browser-test-deps: $(STAMP)
	$(PY) -c "import playwright" 2>/dev/null || $(PY) -m uv pip install --quiet --compile-bytecode --python $(PY) "playwright>=1.40,<2" \
		|| $(PY) -m pip install --quiet "playwright>=1.40,<2" || true
	command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; } || true

grade: $(STAMP)
	$(PY) -m autograder grade-all submissions --out grades -j $(JOBS)

check: $(STAMP)
	$(PY) -m autograder check

fixtures: $(STAMP)
	$(PY) -m autograder fixtures

examples: $(STAMP)
	$(PY) -m autograder examples

stubs: $(STAMP)
	$(PY) -m autograder stubs

notebooks: $(STAMP)
	$(PY) -m autograder notebooks

release: $(STAMP)
	$(PY) -m autograder release

gradescope: $(STAMP)
	$(PY) -m autograder gradescope

prairielearn: $(STAMP)
	$(PY) -m autograder prairielearn

# torch is only the benchmark's yardstick, never a dependency of the kit.
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines for older OpenBLAS builds) would
# force numpy's current OpenBLAS onto another kernel: unset both, for this command alone.
bench: $(STAMP)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m autograder bench

clean:
	rm -rf build dist grades
