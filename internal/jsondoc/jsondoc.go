// Package jsondoc decodes a file that holds exactly one JSON document (a
// graph, a baseline) and places every error at a line and column, so a
// user can find it: errors of syntax and of the format's own rules alike.
// Data after the document is an error, not ignored.
package jsondoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Decode reads r whole and decodes its one JSON document into v. With
// strict, a field v does not have is an error. When v is a Validator, its
// rules are checked too, and a broken one is placed at its line and column.
func Decode(r io.Reader, v any, strict bool) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return located(data, err, dec.InputOffset())
	}
	rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")
	if len(rest) > 0 {
		at := int64(len(data) - len(rest))
		return fmt.Errorf("%s: data after the JSON document: %.20q", position(data, at), rest)
	}
	if val, ok := v.(Validator); ok {
		if err := val.Validate(); err != nil {
			return locateErr(data, err)
		}
	}
	return nil
}

// located adds where an error happened: the offset the error carries,
// else where the decoder stopped.
func located(data []byte, err error, stopped int64) error {
	at := stopped
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		at = syn.Offset - 1 // Offset is past the offending byte
	case errors.As(err, &typ):
		at = typ.Offset // past the value of the wrong type
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		at = int64(len(data))
		if len(bytes.TrimSpace(data)) == 0 {
			return errors.New("empty file: want a JSON document")
		}
		err = errors.New("the JSON document ends early (truncated file?)")
	}
	return fmt.Errorf("%s: %w", position(data, at), err)
}

// position is "line L, column C" of byte offset at (1-based).
func position(data []byte, at int64) string {
	at = min(max(at, 0), int64(len(data)))
	before := data[:at]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(at) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
