# gradlab: `make run` executes every chapter headless, `make test` runs all tests.
# Both install what is missing first (Jupyter, the gradlab kernel); see README.md.

export GOTOOLCHAIN := go1.27.3
export GOEXPERIMENT := simd
export GOMLX_BACKEND ?= go:ops_sequential
export GOMLX_NO_AUTO_INSTALL := 1

OUT ?= build/chapters

.PHONY: setup run test lab bench chapter vet image-test

setup:
	@scripts/setup.sh

run: setup
	go run ./internal/chapters/runchapters -out $(OUT)

chapter: setup
	@test -n "$(NB)" || { echo "usage: make chapter NB=notebooks/NN-name.ipynb" >&2; exit 2; }
	go run ./internal/chapters/runchapters -out $(OUT) $(NB)

vet:
	go vet ./...

test: setup vet
	go test -timeout 30m ./...
	GRADLAB_RUN_CHAPTERS=1 go test -count=1 -timeout 60m -run "TestChapters|TestDisplayDelivery" -v ./internal/chapters

lab: setup
	@scripts/lab.sh

bench:
	@scripts/bench.sh

# Builds the workshop image with podman and tests it (Debian 12, root or sudo); see docker/README.md.
image-test:
	docker/image-test.sh
