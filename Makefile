# Two commands: `make report` and `make test`. Each sets itself up in .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test demo lint bench clean hooks

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 wird benötigt")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# Kernels of plain `papermill` runs talk over loopback TCP and warn about it in English
	@# on every start; `integrationsmonitor report` uses IPC kernels. Keep the coordinator's
	@# screen German: only errors from kernels of this environment.
	mkdir -p $(VENV)/etc/ipython
	printf '%s\n' '# Written by make: kernels of this environment log errors only.' \
	  'c.IPKernelApp.log_level = "ERROR"' > $(VENV)/etc/ipython/ipython_kernel_config.py
	touch $(STAMP)

# Notebooks are committed without outputs: nbstripout as git filter (.gitattributes names it,
# this sets it up in the local git config; --keep-id keeps the committed cell IDs stable).
# Outside a git checkout there is nothing to do.
NBSTRIPOUT := "$(abspath $(BIN))/python" -m nbstripout --keep-id
hooks: $(STAMP)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git config filter.nbstripout.clean '$(NBSTRIPOUT)' && \
		git config filter.nbstripout.smudge cat && \
		git config filter.nbstripout.required true && \
		git config diff.ipynb.textconv '$(NBSTRIPOUT) -t'; \
	else echo "kein git-Arbeitsverzeichnis: nbstripout wird nicht eingerichtet"; fi

demo: $(STAMP) hooks
	$(BIN)/integrationsmonitor demo

report: demo
	$(BIN)/integrationsmonitor report --all

test: $(STAMP) hooks
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check lib tests benchmarks

bench: demo
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_case_data.py

clean:
	rm -rf $(VENV) outputs/*/ outputs/.tmp-* 
