# simenv developer entry points. Everything installs from nothing into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export MUJOCO_GL ?= egl
export PYOPENGL_PLATFORM ?= egl
# llvmpipe: drawing on the calling thread is fastest at small image sizes (see RESULTS.md)
export LP_NUM_THREADS ?= 0

.PHONY: install demo test lint typecheck bench bench-driving bench-grasp bench-vector bench-soak bench-peers clean

$(STAMP): pyproject.toml setup.py constraints-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -c constraints-dev.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## previews, expert episodes, a video and a metrics table in out/demo
	$(BIN)/simenv demo --out out/demo --episodes 3
	$(BIN)/simenv preview simenv/IndoorNav-v0 --n 16 --view overview --out out/demo/overview.png

test: lint typecheck  ## ruff (rules and formatting), mypy, then the suite (slow tests are benchmarks)
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

lint: $(STAMP)  ## ruff's rules and formatting: fails on either
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy reads the installed layout (simenv.envs = envs/, ...) from a link tree of the sources:
# strict on the core, the basic checks elsewhere (pyproject.toml [tool.mypy])
typecheck: $(STAMP)
	rm -rf build/typecheck && mkdir -p build/typecheck/simenv
	for f in simenv/*; do ln -s ../../../$$f build/typecheck/simenv/; done
	ln -s ../../../envs build/typecheck/simenv/envs
	ln -s ../../../agents build/typecheck/simenv/agents
	cd build/typecheck && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p simenv

$(VENV)-peers/.installed: benchmarks/peers/requirements-miniworld.txt
	$(PYTHON) -m venv $(VENV)-peers
	$(VENV)-peers/bin/pip install -q -r benchmarks/peers/requirements-miniworld.txt
	touch $@

$(VENV)-robosuite/.installed: benchmarks/peers/requirements-robosuite.txt
	$(PYTHON) -m venv $(VENV)-robosuite
	$(VENV)-robosuite/bin/pip install -q -r benchmarks/peers/requirements-robosuite.txt
	touch $@

$(VENV)-kuka/.installed: benchmarks/peers/requirements-kuka.txt
	$(PYTHON) -m venv $(VENV)-kuka
	$(VENV)-kuka/bin/pip install -q -r benchmarks/peers/requirements-kuka.txt
	touch $@

bench-peers: $(VENV)-peers/.installed $(VENV)-robosuite/.installed $(VENV)-kuka/.installed

bench: $(STAMP) bench-peers  ## IndoorNav vs MiniWorld in one run; see benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_indoor_nav.py

bench-driving: $(STAMP) bench-peers  ## Driving vs CarRacing-v3 in one run; see benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_driving.py

bench-grasp: $(STAMP) bench-peers  ## TransparentGrasp vs robosuite Lift and Kuka; see RESULTS.md
	$(BIN)/python benchmarks/bench_transparent_grasp.py

bench-soak: $(STAMP)  ## long-run step time and memory of every family (10,000 strong-DR resets each)
	$(BIN)/python benchmarks/bench_soak.py --family all

bench-vector: $(STAMP) bench-peers  ## make_vec N=1..32 vs the peers in AsyncVectorEnv (2 workers)
	$(BIN)/python benchmarks/bench_vector.py

clean:
	rm -rf $(VENV) $(VENV)-peers $(VENV)-robosuite $(VENV)-kuka out build dist *.egg-info
