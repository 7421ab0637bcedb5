# The two commands of README.md: `make run` and `make test`.
.PHONY: run test test-deps build vet

run:
	go run ./cmd/newswire serve -config config.yaml

build:
	go build -o newswire ./cmd/newswire

# Installs the real feed readers the tests read newswire's output with, then
# runs every test under the race detector.
test: test-deps
	go vet ./...
	go test -race -count=1 ./...

test-deps:
	scripts/test-deps
