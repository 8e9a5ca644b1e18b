package config

import (
	"bytes"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/tracegraph/tracegraph/internal/fuzzseed"
)

// configSeeds are the committed configs: every example and test config,
// and the built-in recognizer packs, which are written in the same form.
// A pattern that matches nothing fails the fuzzer.
var configSeeds = []string{
	"../examples/shop/tracegraph.yaml",
	"../render/testdata/tracegraph.yaml",
	"../staticgraph/testdata/*/tracegraph.yaml",
	"../staticgraph/testdata/libs/*/tracegraph.yaml",
	"../staticgraph/builtin/*.yaml",
	"testdata/fuzz-seeds/*.yaml",
}

// FuzzParse feeds Parse arbitrary YAML. A refusal is one line that starts
// with the file's name; a config it accepts prints as YAML that Parse
// accepts again as the same config, so what validation passed is what the
// YAML said, not an accident of one reading.
func FuzzParse(f *testing.F) {
	fuzzseed.Add(f, configSeeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "config fuzz.yaml: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("an accepted config does not print: %v", err)
		}
		again, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("the printed config is refused: %v\n%s", err, out)
		}
		// Printing cannot tell an empty list from an absent one, so the
		// two readings are compared as printed.
		if out2, err := yaml.Marshal(again); err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("the printed config reads differently (%v):\n%s\nvs\n%s", err, out, out2)
		}
	})
}
