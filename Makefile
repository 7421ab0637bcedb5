# The two commands of README.md: `make run` and `make test`.
.PHONY: run test test-deps build vet

run:
	go run ./cmd/newswire serve -config config.yaml

build:
	go build -o newswire ./cmd/newswire

# Installs the real feed readers the tests read newswire's output with,
# checks the code (gofmt, go vet, staticcheck at a pinned version), then runs
# every test under the race detector.
test: test-deps vet
	go test -race -count=1 ./...

test-deps:
	scripts/test-deps

# staticcheck's version is pinned, so that a new release cannot fail a build
# of code that has not changed.
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

vet:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:" $$unformatted >&2; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...
