package jsondoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Validator is a decoded document that checks the rules its format adds to
// JSON's (a count is not negative, a kind is one of a list). Decode calls
// Validate after decoding; a *PathError it returns is placed at the line
// and column of the value it names.
type Validator interface {
	Validate() error
}

// PathError is a value that decoded but breaks a rule of its format. Path
// leads from the document's root to the value: object keys (string) and
// array indices (int), as the JSON spells them.
type PathError struct {
	Path []any
	Err  error
}

// At returns err as a *PathError at path.
func At(err error, path ...any) *PathError { return &PathError{Path: path, Err: err} }

func (e *PathError) Error() string {
	if len(e.Path) == 0 {
		return e.Err.Error()
	}
	return PathString(e.Path) + ": " + e.Err.Error()
}

func (e *PathError) Unwrap() error { return e.Err }

// PathString spells a path as a reader would look it up: flows[3].stats.count.
func PathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, p)
		}
	}
	return b.String()
}

// locateErr places a validation error in data.
func locateErr(data []byte, err error) error {
	var pe *PathError
	if !errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%s: %w", position(data, offsetOf(data, pe.Path)), err)
}

// offsetOf is the offset in data of the value at path, found as
// encoding/json finds it: a key matches case-insensitively, and of
// repeated keys the last one counts. Of a path that leads to no value (a
// missing field) it is the offset of the deepest value on the way.
func offsetOf(data []byte, path []any) int64 {
	at := skipSpace(data, 0)
	for _, p := range path {
		dec := json.NewDecoder(bytes.NewReader(data[at:]))
		tok, err := dec.Token()
		if err != nil {
			return at
		}
		found := int64(-1)
		switch p := p.(type) {
		case string:
			if tok != json.Delim('{') {
				return at
			}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return at
				}
				start := at + skipSpace(data[at:], dec.InputOffset())
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return at
				}
				if key, ok := k.(string); ok && strings.EqualFold(key, p) {
					found = start
				}
			}
		case int:
			if tok != json.Delim('[') {
				return at
			}
			for i := 0; dec.More(); i++ {
				start := at + skipSpace(data[at:], dec.InputOffset())
				if i == p {
					found = start
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return at
				}
			}
		}
		if found < 0 {
			return at
		}
		at = found
	}
	return at
}

// skipSpace returns the offset past the white space, colons and commas
// that separate JSON tokens, from offset i of data.
func skipSpace(data []byte, i int64) int64 {
	for i < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n:,"), data[i]) >= 0 {
		i++
	}
	return i
}
