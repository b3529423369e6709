# The two commands of the README:
#   make demo   install what is missing, build, and run campus-probe on the demo campus
#   make test   install what is missing, build, and run every test
#   make sanitize   build with ASan and UBSan into build-sanitize/, run the unit, fuzz and fault tests
BUILD_DIR ?= build
# Warnings are errors in CI (CI=true), plain warnings elsewhere.
WERROR ?= $(if $(filter true 1,$(CI)),ON,OFF)
CAMPUS_PROBE := $(BUILD_DIR)/agent/campus-probe
# One compile per core: the unity translation units are large, and more at once only thrash.
JOBS ?= $(shell nproc)

.PHONY: demo test sanitize build deps format clean

# The demo builds the agent only: a new build tree is configured without the tests, an existing
# one (say, from make test) is kept as it is, and a second run rebuilds nothing that did not change.
# tests/sim/campus-sim then starts the demo campus and the agent; Ctrl-C stops both, and exits 0.
demo: deps
	deploy/install-deps.sh demo
	test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) -G Ninja \
	  -DCAMPUS_PROBE_WERROR=$(WERROR) -DCAMPUS_PROBE_TESTS=OFF
	cmake --build $(BUILD_DIR) --parallel $(JOBS) --target campus-probe
	@# On a terminal the demo runs as a foreground job of its own, so that Ctrl-C reaches the
	@# demo (which stops everything and exits 0) and not make.
	@export CAMPUS_PROBE=$(CAMPUS_PROBE); if [ -t 0 ]; then \
	  bash -c 'set -m; tests/sim/campus-sim run & fg %1 >/dev/null'; \
	else tests/sim/campus-sim run; fi

test: deps
	deploy/install-deps.sh test
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCAMPUS_PROBE_WERROR=$(WERROR) -DCAMPUS_PROBE_TESTS=ON
	cmake --build $(BUILD_DIR) --parallel $(JOBS)
	ctest --test-dir $(BUILD_DIR) --output-on-failure

# Every target built with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer; the
# fast tests (unit, the fuzz corpus replay, fault injection) run, and any report fails its test.
# A label without tests is no failure.
SANITIZE ?= address,undefined
SANITIZE_DIR ?= build-sanitize
sanitize: deps
	deploy/install-deps.sh test
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCAMPUS_PROBE_WERROR=$(WERROR) -DCAMPUS_PROBE_TESTS=ON \
	  -DCAMPUS_PROBE_SANITIZE=$(SANITIZE)
	cmake --build $(SANITIZE_DIR) --parallel $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --test-dir $(SANITIZE_DIR) -L 'unit|fuzz|fault' --output-on-failure

deps:
	deploy/install-deps.sh build

format:
	git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
