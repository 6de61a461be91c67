# Thin wrapper behind the README's two commands. All logic lives in CMake.
#   make run   - install missing Debian packages, build (release), run the main job (the
#                default scenario in the simulator, a guest scenario under QEMU through the
#                device model, the two compared) and write traces, Perfetto JSON and plot to out/
#   make test  - install missing Debian packages, build (dev), run every test
#   make ci    - after make test: the format check, the asan-ubsan and tsan presets over
#                the suite, the fuzz smoke run (what .ci/run adds)
PRESET ?= dev
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps build run test format-check ci sanitize fuzz-smoke clean
deps:
	@missing=$$(grep -v '^#' configs/debian-packages.txt | while read -r p; do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || echo "$$p"; done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; else \
	  echo "deps: installing" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

OUT ?= out
run:
	$(MAKE) build PRESET=release
	@mkdir -p $(OUT)
	./build/release/sim/cli/xcallsim run --machine configs/machines/default.toml \
	  --scenario configs/scenarios/default.toml --trace $(OUT)/default.xtr
	./build/release/sim/cli/xcallsim replay $(OUT)/default.xtr | tail -n 1
	./build/release/sim/cli/xcallsim export $(OUT)/default.xtr \
	  --perfetto $(OUT)/default.perfetto.json --latency-plot $(OUT)/default-latency.svg
	@echo; echo "== one scenario, both worlds: ping-pong in the simulator on the qemu machine model =="
	./build/release/sim/cli/xcallsim run --machine configs/machines/qemu.toml \
	  --scenario configs/scenarios/qemu-pingpong.toml
	@echo; echo "== ... and on an x86-64 guest under QEMU, IPIs through xcallsim's device model =="
	./build/release/sim/cli/xcallsim launch --cpus 4 --scenario pingpong --iters 10 \
	  --trace $(OUT)/qemu-pingpong.xtr
	@echo; echo "== side by side: measured under QEMU (old) vs the model (new), same calls =="
	./build/release/sim/cli/xcallsim replay $(OUT)/qemu-pingpong.xtr --machine configs/machines/qemu.toml \
	  --compare | sed -n '/^re-timed:/,$$p'

test: build
	ctest --preset $(PRESET) -j $(JOBS)

# Every C++ source clang-format clean (.clang-format at the root).
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.cpp' '*.hpp' '*.h')

# What CI runs after `make test` (.ci/run): the format check, the whole suite
# under both sanitizer presets, and a short run of every fuzz target
# (docs/testing.md "CI" has the stages and their times).
ci: format-check sanitize fuzz-smoke

sanitize:
	$(MAKE) test PRESET=asan-ubsan
	$(MAKE) test PRESET=tsan

fuzz-smoke: deps
	FUZZ_JOBS=$(JOBS) tests/fuzz/smoke.sh

clean:
	rm -rf build
