# The README's commands. `make test` is what CI runs.
GO ?= go

.PHONY: test demo build screenshots

# vet everything, then run every test under the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# The main job on the embedded default: the example shop's declared graph,
# its observed graph from the committed events file, and their diff.
demo:
	$(GO) run ./cmd/tracegraph diff ./examples/shop/... --events examples/shop/events.jsonl --fail-on ''""

# tracegraph and, beside it, tracegraph-dot: the embedded renderer it runs to draw SVG and PNG
# where no native Graphviz is installed.
build:
	$(GO) build -o . ./cmd/tracegraph ./cmd/tracegraph-dot

# The screenshots of docs/serve-topology.png and serve/testdata/screenshots/: the browser
# tests with -update. Chromium must be installed (apt-get install chromium).
screenshots:
	TRACEGRAPH_REQUIRE_BROWSER=1 $(GO) test ./serve -run '^TestBrowser' -count=1 -args -update
