# Thin wrapper behind the README's two commands. All logic lives in CMake.
#   make run   - install missing Debian packages, build (release), run the main job
#   make test  - install missing Debian packages, build (dev), run every test
PRESET ?= dev
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps build run test clean
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

run:
	$(MAKE) build PRESET=release
	./build/release/sim/cli/xcallsim run --machine configs/machines/default.toml \
	  --scenario configs/scenarios/default.toml

test: build
	ctest --preset $(PRESET) -j $(JOBS)

clean:
	rm -rf build
