// Package indentjson is the one JSON form of the files tracegraph writes
// for people and git (graphs, baselines, SARIF logs): two-space indents and
// <, > and & left as they are, so the same value always gives the same
// bytes and a committed file diffs cleanly.
package indentjson

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes v in that form, with a final newline. Callers write the
// result in one call, so a value that fails to encode writes nothing.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
