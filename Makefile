# The two commands of the README:
#   make demo   install what is missing, build, and run campus-probe on the demo campus
#   make test   install what is missing, build, and run every test
BUILD_DIR ?= build
# Warnings are errors in CI (CI=true), plain warnings elsewhere.
WERROR ?= $(if $(filter true 1,$(CI)),ON,OFF)
CAMPUS_PROBE := $(BUILD_DIR)/agent/campus-probe
# One compile per core: the unity translation units are large, and more at once only thrash.
JOBS ?= $(shell nproc)

.PHONY: demo test build deps format clean

demo: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCAMPUS_PROBE_WERROR=$(WERROR) -DCAMPUS_PROBE_TESTS=OFF
	cmake --build $(BUILD_DIR) --parallel $(JOBS)
	$(CAMPUS_PROBE) indicators

test: deps
	deploy/install-deps.sh test
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCAMPUS_PROBE_WERROR=$(WERROR) -DCAMPUS_PROBE_TESTS=ON
	cmake --build $(BUILD_DIR) --parallel $(JOBS)
	ctest --test-dir $(BUILD_DIR) --output-on-failure

deps:
	deploy/install-deps.sh build

format:
	git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
