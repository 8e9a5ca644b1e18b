package sarifcheck

import "testing"

// TestValidate: the checker accepts a minimal log and rejects the mistakes
// code scanning rejects, so a passing render test means something.
func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		log  string
		ok   bool
	}{
		{"minimal", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[]}]}`, true},
		{"no version", `{"runs":[]}`, false},
		{"unknown level", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`, false},
		{"line 0", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":0}}}]}]}]}`, false},
		{"not JSON", `{"version":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate([]byte(tt.log))
			if (err == nil) != tt.ok {
				t.Errorf("Validate: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
