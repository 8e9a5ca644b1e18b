package staticgraph

import (
	"slices"
	"testing"
)

// TestBuiltinAliases checks that a pack written once for a module under
// two paths (sarama before and after it moved to IBM) recognises both.
func TestBuiltinAliases(t *testing.T) {
	recs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	funcs := func(pkg string) []string {
		var out []string
		for _, r := range recs {
			if r.Package == pkg {
				for _, f := range r.Functions {
					out = append(out, f.Func+" "+f.Role)
				}
			}
		}
		return out
	}
	ibm, shopify := funcs("github.com/IBM/sarama"), funcs("github.com/Shopify/sarama")
	if len(ibm) == 0 || !slices.Equal(ibm, shopify) {
		t.Errorf("Shopify/sarama rules %v, want IBM/sarama's %v", shopify, ibm)
	}
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			t.Errorf("built-in %s: %v", r.Package, err)
		}
	}
}
