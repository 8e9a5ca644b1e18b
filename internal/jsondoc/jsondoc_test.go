package jsondoc

import (
	"errors"
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

type checked struct {
	Items []struct {
		N int `json:"n"`
	} `json:"items"`
}

func (c *checked) Validate() error {
	for i, it := range c.Items {
		if it.N < 0 {
			return At(errors.New("negative"), "items", i, "n")
		}
		if it.N == 0 {
			return At(errors.New("missing"), "items", i, "n")
		}
	}
	return nil
}

// TestDecodeValidates checks that a Validator's path error is placed at
// the value it names, or, for a value that is absent, at the object that
// lacks it.
func TestDecodeValidates(t *testing.T) {
	for _, c := range []struct{ in, err string }{
		{`{"items": [{"n": 1}, {"n": 2}]}`, ""},
		{"{\"items\": [{\"n\": 1},\n  {\"x\": [1, {\"n\": -4}], \"n\": -4}]}", "line 2, column 30: items[1].n: negative"},
		{"{\"items\": [{\"n\": 1},\n  {\"x\": 1}]}", "line 2, column 3: items[1].n: missing"},
		{"{\"items\": [{\"n\": 1},\n  {\"N\": -1, \"n\": 3, \"N\": -2}]}", "line 2, column 26: items[1].n: negative"},
	} {
		var v checked
		err := Decode(strings.NewReader(c.in), &v, false)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Decode(%q): error %v, want %q", c.in, err, c.err)
		}
	}
}
