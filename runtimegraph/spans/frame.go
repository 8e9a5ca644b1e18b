package spans

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tracegraph/tracegraph/internal/jsonscan"
)

// framer cuts a JSON stream into the byte ranges of values without decoding
// them, so that the values can be decoded in parallel and the stream is
// never held whole. It only tracks strings and nesting: a value it frames is
// validated when it is decoded. It keeps line and column of every position
// it passes, for errors.
type framer struct {
	r    io.Reader
	name string
	max  int // the largest value it frames

	buf  []byte
	pos  int   // next byte to read in buf
	base int64 // stream offset of buf[0]
	eof  bool
	rerr error

	line, col int // of buf[pos], 1-based
	counted   int // buf[:counted] is accounted in line and col
}

func newFramer(r io.Reader, name string, opts Options) *framer {
	return &framer{r: r, name: name, max: opts.MaxMessageBytes, buf: make([]byte, 0, opts.bufBytes()/2), line: 1, col: 1}
}

// here is the position of the next byte, for errors.
func (f *framer) here() position {
	f.account(f.pos)
	return position{f.base + int64(f.pos), f.line, f.col}
}

// account advances line and col over buf[counted:upto].
func (f *framer) account(upto int) {
	if upto <= f.counted {
		return
	}
	seg := f.buf[f.counted:upto]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		f.line += n
		f.col = len(seg) - bytes.LastIndexByte(seg, '\n')
	} else {
		f.col += len(seg)
	}
	f.counted = upto
}

// position is a place in the stream.
type position struct {
	off       int64
	line, col int
}

// String is "line:col" in text, " byte N" in binary input (no line).
func (p position) String() string {
	if p.line == 0 {
		return fmt.Sprintf(" byte %d", p.off)
	}
	return fmt.Sprintf("%d:%d", p.line, p.col)
}

// errorf makes a one-line error at p.
func (f *framer) errorf(p position, format string, args ...any) error {
	return fmt.Errorf("%s:%s: %s", f.name, p, fmt.Sprintf(format, args...))
}

// more reads more input, keeping buf[keep:]; it reports false at the end.
func (f *framer) more(keep int) (bool, error) {
	if f.eof {
		return false, f.rerr
	}
	if keep > 0 {
		f.account(keep)
		n := copy(f.buf, f.buf[keep:])
		f.buf = f.buf[:n]
		f.pos -= keep
		f.counted -= keep
		f.base += int64(keep)
	}
	if len(f.buf) == cap(f.buf) {
		// Double, but never past what a value at the limit needs (the
		// value being framed starts at buf[0] now): one byte over the
		// limit is enough to refuse it, so memory stays near the limit.
		grow := max(min(cap(f.buf), f.max+1-cap(f.buf)), 512)
		nb := make([]byte, len(f.buf), cap(f.buf)+grow)
		copy(nb, f.buf)
		f.buf = nb
	}
	n, err := f.r.Read(f.buf[len(f.buf):cap(f.buf)])
	f.buf = f.buf[:len(f.buf)+n]
	if err != nil {
		f.eof = true
		if !errors.Is(err, io.EOF) {
			f.rerr = fmt.Errorf("%s: %w", f.name, err)
			return n > 0, f.rerr
		}
	}
	return n > 0 || !f.eof, nil
}

// peek skips white space and returns the next byte, or 0 at the end.
func (f *framer) peek() (byte, error) {
	for {
		for f.pos < len(f.buf) {
			if c := f.buf[f.pos]; !jsonscan.IsSpace(c) {
				return c, nil
			}
			f.pos++
		}
		ok, err := f.more(f.pos)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, nil
		}
	}
}

// expect reads byte c after white space.
func (f *framer) expect(c byte, what string) error {
	got, err := f.peek()
	if err != nil {
		return err
	}
	if got != c {
		return f.unexpected(got, what)
	}
	f.pos++
	return nil
}

func (f *framer) unexpected(got byte, what string) error {
	if got == 0 {
		return fmt.Errorf("%s: unexpected end of input, want %s (truncated file?)", f.name, what)
	}
	return f.errorf(f.here(), "invalid character %q, want %s", got, what)
}

// next reads the separator after an element: it returns false after the
// closing delimiter end.
func (f *framer) next(end byte, what string) (bool, error) {
	c, err := f.peek()
	if err != nil {
		return false, err
	}
	switch c {
	case ',':
		f.pos++
		return true, nil
	case end:
		f.pos++
		return false, nil
	}
	return false, f.unexpected(c, fmt.Sprintf("',' or %q in %s", end, what))
}

// elements frames each element of an array whose '[' was read, and its
// closing ']'; what names the array in errors.
func (f *framer) elements(what string, each func(data []byte, at position) error) error {
	more, err := f.first(']')
	for more && err == nil {
		var data []byte
		var at position
		if data, at, err = f.value(); err != nil {
			return err
		}
		if err := each(data, at); err != nil {
			return err
		}
		more, err = f.next(']', what)
	}
	return err
}

// first reports whether a container just opened has an element, reading
// its closing delimiter if it is empty.
func (f *framer) first(end byte) (bool, error) {
	c, err := f.peek()
	if err != nil {
		return false, err
	}
	if c == end {
		f.pos++
		return false, nil
	}
	return true, nil
}

// key reads an object key and its colon.
func (f *framer) key() (string, error) {
	at := f.here()
	raw, _, err := f.value()
	if err != nil {
		return "", err
	}
	sc := jsonscan.Scanner{B: raw}
	if v, _, ok := sc.Text(nil); ok && sc.End() {
		return string(v), f.expect(':', "':' after object key")
	}
	// What jsonscan declines (surrogate escapes, bad syntax) encoding/json
	// decides.
	var k string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &k) != nil {
		return "", f.errorf(at, "invalid object key %.40q", raw)
	}
	return k, f.expect(':', "':' after object key")
}

// value frames the next value and returns its bytes (valid until the next
// call) and where it starts.
func (f *framer) value() ([]byte, position, error) {
	if _, err := f.peek(); err != nil {
		return nil, position{}, err
	}
	at := f.here()
	start := f.pos
	i := start
	depth := 0
	inString := false
	for {
		for ; i < len(f.buf); i++ {
			c := f.buf[i]
			if inString {
				// The string's opening quote is in the buffer (it keeps
				// the value from its start), as StringEnd needs.
				q := jsonscan.StringEnd(f.buf, i)
				if q < 0 {
					i = len(f.buf) - 1 // the loop steps to the end of the buffer
					continue
				}
				i = q
				inString = false
				if depth == 0 {
					i++
					goto done
				}
				continue
			}
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 {
					goto done // the end of a scalar at the end of a container
				}
				depth--
				if depth == 0 {
					i++
					goto done
				}
			case ',', ' ', '\t', '\r', '\n', ':':
				if depth == 0 {
					goto done
				}
			}
		}
		if i-start > f.max {
			return nil, at, f.overLimit(at)
		}
		n := i - start
		ok, err := f.more(start)
		if err != nil {
			return nil, at, err
		}
		start, i = 0, n
		if !ok {
			if depth > 0 || inString || n == 0 {
				return nil, at, fmt.Errorf("%s: unexpected end of input in the value at %s (truncated file?)", f.name, at)
			}
			goto done
		}
	}
done:
	if i == start {
		return nil, at, f.unexpected(f.buf[i], "a value")
	}
	if i-start > f.max {
		return nil, at, f.overLimit(at)
	}
	f.pos = i
	return f.buf[start:i], at, nil
}

// overLimit is the error of a value longer than f.max bytes. The limit is
// exact: a value of f.max bytes is read, one of f.max+1 is not.
func (f *framer) overLimit(at position) error {
	return f.errorf(at, "value over the %d-byte limit of one unit (an OTLP ResourceSpans, a Zipkin span or trace, a Jaeger trace)", f.max)
}

// end checks that nothing but white space is left.
func (f *framer) end() error {
	c, err := f.peek()
	if err != nil {
		return err
	}
	if c != 0 {
		return f.errorf(f.here(), "unexpected data after the end of the document")
	}
	return nil
}

// skip frames and drops the next value.
func (f *framer) skip() error {
	_, _, err := f.value()
	return err
}

// where is the position of byte off of a value that starts at at.
func (at position) where(data []byte, off int64) position {
	if off < 0 || off > int64(len(data)) {
		return at
	}
	seg := data[:off]
	p := position{at.off + off, at.line, at.col}
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		p.line += n
		p.col = len(seg) - bytes.LastIndexByte(seg, '\n')
	} else {
		p.col += len(seg)
	}
	return p
}

// valueErr places an error of json.Unmarshal on a framed value.
func valueErr(name string, at position, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		at = at.where(data, se.Offset)
	case errors.As(err, &te):
		at = at.where(data, te.Offset)
	}
	return fmt.Errorf("%s:%s: %s", name, at, oneLine(err.Error()))
}

// oneLine keeps a decoder's message, which may quote the input, on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}
