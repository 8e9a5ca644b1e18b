package jsondoc

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	type doc struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	for _, c := range []struct {
		name, in string
		strict   bool
		err      string // "" for none
	}{
		{"one document", "{\"a\": 1}\n", false, ""},
		{"trailing garbage", "{\"a\": 1}\n{\"a\": 2}\n", false, `line 2, column 1: data after the JSON document: "{\"a\": 2}\n"`},
		{"a syntax error", "{\n  \"a\": 1,\n  \"b\" \"x\"\n}", false, "line 3, column 7: invalid character"},
		{"a wrong type", "{\n  \"a\": \"one\"\n}", false, "line 2, column 13: json: cannot unmarshal string"},
		{"truncated", "{\n  \"a\": 1,", false, "line 2, column 10: the JSON document ends early"},
		{"empty", "  \n", false, "empty file"},
		{"an unknown field, strict", "{\"c\": 1}", true, `json: unknown field "c"`},
		{"an unknown field, lenient", "{\"c\": 1}", false, ""},
	} {
		var d doc
		err := Decode(strings.NewReader(c.in), &d, c.strict)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
	}
}
