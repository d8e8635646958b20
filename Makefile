# The two commands a new user needs (README): `make run` and `make test`.
BUILD ?= build
SAN_BUILD ?= build-san
JOBS ?= $(shell nproc)

.PHONY: deps deps-reference build run test test-san fuzz bench format clean
FUZZ_SECONDS ?= 30

deps:
	scripts/install-deps.sh

deps-reference:
	scripts/install-deps.sh --reference

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The main job on defaults that need no user files.
run: build
	scripts/demo.sh $(BUILD)/chunkwise

test: build deps-reference
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-san: deps-reference
	cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCHUNKWISE_SANITIZE=ON -DCHUNKWISE_BENCH=OFF
	cmake --build $(SAN_BUILD) -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS) -L unit

# Every libFuzzer target (clang, ASan + UBSan), each run for FUZZ_SECONDS on its seed corpus in fuzz/corpus/NAME.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHUNKWISE_FUZZ=ON \
	  -DCHUNKWISE_TESTS=OFF -DCHUNKWISE_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
	scripts/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

bench: build deps-reference
	bench/tokenizer_bench.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(SAN_BUILD) build-fuzz
