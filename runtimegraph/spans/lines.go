package spans

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// lineReader passes bytes through and can later turn a byte offset into a
// line and column, for errors. It keeps only the recent bytes (a decoder
// reports offsets close to where it reads), so memory stays bounded; an
// older offset is reported as a byte offset.
type lineReader struct {
	r         io.Reader
	keep      []byte // the most recent bytes read
	keepStart int64  // offset of keep[0]
	linesBack int    // newlines before keepStart
}

const lineKeep = 4 << 20

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: r} }

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		if len(l.keep)+n > 2*lineKeep {
			drop := len(l.keep) + n - lineKeep
			if drop > len(l.keep) {
				drop = len(l.keep)
			}
			l.linesBack += bytes.Count(l.keep[:drop], []byte{'\n'})
			l.keepStart += int64(drop)
			l.keep = append(l.keep[:0], l.keep[drop:]...)
		}
		l.keep = append(l.keep, p[:n]...)
	}
	return n, err
}

// where names the byte at offset off for an error: "name:line:col", or
// "name: byte N" when that part of the input is no longer kept.
func (l *lineReader) where(name string, off int64) string {
	if off < l.keepStart || off > l.keepStart+int64(len(l.keep)) || (l.keepStart > 0 && off == l.keepStart) {
		return fmt.Sprintf("%s: byte %d", name, off)
	}
	before := l.keep[:off-l.keepStart]
	nl := bytes.LastIndexByte(before, '\n')
	if nl < 0 && l.keepStart > 0 {
		// The line started before the kept bytes: the column is unknown.
		return fmt.Sprintf("%s:%d", name, l.linesBack+1)
	}
	return fmt.Sprintf("%s:%d:%d", name, l.linesBack+bytes.Count(before, []byte{'\n'})+1, len(before)-nl)
}

// decodeErr wraps an error of json.Decoder's Decode or Token with the file
// and position. off is the decoder's offset before the call: a syntax error
// carries a stream offset, a type error one relative to the value.
func (in *input) decodeErr(l *lineReader, off int64, err error) error {
	return in.jsonErr(l, 0, off, off, err)
}

// valueErr wraps an error of json.Unmarshal on a value that starts at
// offset start of the stream.
func (in *input) valueErr(l *lineReader, start int64, err error) error {
	return in.jsonErr(l, start, start, start, err)
}

func (in *input) jsonErr(l *lineReader, synBase, typeBase, fallback int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: unexpected end of input (truncated file?)", in.name)
	}
	off := fallback
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = synBase + se.Offset
	case errors.As(err, &te):
		off = typeBase + te.Offset
	}
	return fmt.Errorf("%s: %w", l.where(in.name, off), err)
}
