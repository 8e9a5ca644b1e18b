# The README's commands. `make test` is what CI runs.
GO ?= go

.PHONY: test demo build

# vet everything, then run every test under the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# The main job on the embedded default: the example shop's declared graph,
# its observed graph from the committed events file, and their diff.
demo:
	$(GO) run ./cmd/tracegraph diff ./examples/shop/... --events examples/shop/events.jsonl --fail-on ''""

build:
	$(GO) build -o tracegraph ./cmd/tracegraph
