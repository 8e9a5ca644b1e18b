// Package jsonscan is the one hand-written JSON scanner of tracegraph's fast
// decoders: the JSONL event decoder (runtimegraph/decode.go), the OTLP/JSON
// and Zipkin span decoders (runtimegraph/spans) and the span framer that
// cuts a stream into values.
//
// It is strict and declines rather than guesses: every method reports false
// for anything it does not read exactly as encoding/json or protojson would
// (escapes it does not handle, number forms, invalid UTF-8, bad syntax), and
// the caller then hands the whole value to the general decoder, which
// decides. So false is never an error, only "not the common shape". The
// decoders' fuzz tests hold each fast path to its general decoder.
//
// It is hand-written, not a library, for speed: the benchmarks of
// bench/jsonlibs.sh compare it with encoding/json/jsontext, goccy/go-json,
// segmentio/encoding, bytedance/sonic and valyala/fastjson on the same
// events and spans (docs/design.md has the table).
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Scanner reads JSON from B, at I. The zero value with B set is ready.
type Scanner struct {
	B []byte
	I int
	// Plain says B is Plain: a string in it ends at its next quote, and
	// PlainString needs to look for nothing else. Where it fails, it may
	// leave I elsewhere than without Plain.
	Plain bool

	buf []byte // scratch for the escaped strings Skip reads
}

// IsSpace reports JSON white space.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// WS skips white space.
func (s *Scanner) WS() {
	for s.I < len(s.B) && IsSpace(s.B[s.I]) {
		s.I++
	}
}

// Eat consumes c if it is the very next byte.
func (s *Scanner) Eat(c byte) bool {
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// Tok consumes c after white space.
func (s *Scanner) Tok(c byte) bool {
	s.WS()
	return s.Eat(c)
}

// Peek is the next byte after white space, or 0 at the end.
func (s *Scanner) Peek() byte {
	s.WS()
	if s.I < len(s.B) {
		return s.B[s.I]
	}
	return 0
}

// End reports whether only white space is left.
func (s *Scanner) End() bool {
	s.WS()
	return s.I == len(s.B)
}

// Literal consumes the word w (true, false, null) after white space.
func (s *Scanner) Literal(w string) bool {
	s.WS()
	if len(s.B)-s.I >= len(w) && string(s.B[s.I:s.I+len(w)]) == w {
		s.I += len(w)
		return true
	}
	return false
}

// Bool reads true or false; ok is false for anything else.
func (s *Scanner) Bool() (v, ok bool) {
	if s.Literal("true") {
		return true, true
	}
	return false, s.Literal("false")
}

// Object reads an object, calling field for each key (an ASCIIString) with
// the scanner on the value, which field must consume.
func (s *Scanner) Object(field func(key []byte) bool) bool {
	if !s.Tok('{') {
		return false
	}
	if s.Tok('}') {
		return true
	}
	for {
		key, ok := s.ASCIIString()
		if !ok || !s.Tok(':') || !field(key) {
			return false
		}
		if s.Tok(',') {
			continue
		}
		return s.Tok('}')
	}
}

// Array reads an array, calling elem with the scanner on each element.
func (s *Scanner) Array(elem func() bool) bool {
	if !s.Tok('[') {
		return false
	}
	if s.Tok(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.Tok(',') {
			continue
		}
		return s.Tok(']')
	}
}

// ASCIIString reads, after white space, a string of printable ASCII with
// no escapes, as the bytes between the quotes (valid until B changes):
// the form of object keys, ids and enum names.
func (s *Scanner) ASCIIString() ([]byte, bool) {
	if !s.Tok('"') {
		return nil, false
	}
	start := s.I
	s.I += PlainRun(s.B[s.I:])
	if s.I < len(s.B) && s.B[s.I] == '"' {
		s.I++
		return s.B[start : s.I-1], true
	}
	return nil, false
}

// PlainString reads, right at the current byte, a string with no escapes,
// no control characters and valid UTF-8: exactly the strings whose bytes a
// JSON decoder keeps unchanged.
func (s *Scanner) PlainString() ([]byte, bool) {
	if !s.Eat('"') {
		return nil, false
	}
	start := s.I
	if s.Plain {
		q := bytes.IndexByte(s.B[s.I:], '"')
		if q < 0 {
			return nil, false
		}
		s.I += q + 1
		return s.B[start : s.I-1], true
	}
	for {
		s.I += PlainRun(s.B[s.I:])
		if s.I >= len(s.B) {
			return nil, false
		}
		switch c := s.B[s.I]; {
		case c == '"':
			s.I++
			return s.B[start : s.I-1], true
		case c < 0x80: // a control character or an escape
			return nil, false
		}
		if r, n := utf8.DecodeRune(s.B[s.I:]); r != utf8.RuneError || n > 1 {
			s.I += n
			continue
		}
		return nil, false
	}
}

// Text reads, after white space, a string as text: valid UTF-8 and the
// escapes of RFC 8259 except \u escapes of surrogates (decoders differ on
// unpaired ones, so they are the general decoder's). Without escapes v is
// the input's bytes; with them it is the text appended to buf[:0].
func (s *Scanner) Text(buf []byte) (v []byte, escaped, ok bool) {
	s.WS()
	from := s.I
	if raw, ok := s.PlainString(); ok {
		return raw, false, true
	}
	// Start again: PlainString stopped at an escape or at a fault.
	s.I = from + 1
	if from >= len(s.B) || s.B[from] != '"' {
		return nil, false, false
	}
	out := buf[:0]
	for s.I < len(s.B) {
		n := PlainRun(s.B[s.I:])
		out = append(out, s.B[s.I:s.I+n]...)
		s.I += n
		if s.I >= len(s.B) {
			break
		}
		c := s.B[s.I]
		switch {
		case c == '"':
			s.I++
			return out, true, true
		case c < 0x20:
			return nil, false, false
		case c >= 0x80:
			r, n := utf8.DecodeRune(s.B[s.I:])
			if r == utf8.RuneError && n <= 1 {
				return nil, false, false
			}
			out = append(out, s.B[s.I:s.I+n]...)
			s.I += n
			continue
		}
		// c is a backslash.
		if s.I+1 >= len(s.B) {
			return nil, false, false
		}
		e := s.B[s.I+1]
		s.I += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if s.I+4 > len(s.B) {
				return nil, false, false
			}
			var v rune
			for _, h := range s.B[s.I : s.I+4] {
				if !IsHex(h) {
					return nil, false, false
				}
				v = v<<4 | rune(HexValue(h))
			}
			if v >= 0xd800 && v < 0xe000 {
				return nil, false, false
			}
			out = utf8.AppendRune(out, v)
			s.I += 4
		default:
			return nil, false, false
		}
	}
	return nil, false, false
}

// PlainRun is the length of b's leading run of plain string bytes: ASCII
// but for control characters, '"' and '\\'. Strings are most of the input
// and short, so it looks at eight bytes at a time (a zero-byte test on
// each word: the lowest flagged byte is exact) rather than at each.
func PlainRun(b []byte) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ (lsb * '"')
		e := x ^ (lsb * '\\')
		stop := (x-lsb*0x20)&^x | // a byte below 0x20
			x | // a byte from 0x80 up
			(q-lsb)&^q | (e-lsb)&^e // '"' or '\\'
		if stop &= msb; stop != 0 {
			return i + bits.TrailingZeros64(stop)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			break
		}
	}
	return i
}

// Plain reports whether b has no byte that stops PlainRun but the quote:
// no control character, backslash or byte from 0x80 up. Checking a whole
// line of an event at once, eight bytes at a time, costs less than checking
// each of its two dozen strings (cachegrind of BenchmarkDecodeGraph).
func Plain(b []byte) bool {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	// A byte from 0x80 up has its top bit set in x; one below 0x20 in
	// (x - 0x20...) &^ x, as a backslash in the same of x ^ '\\'...
	stop := func(x uint64) uint64 {
		e := x ^ (lsb * '\\')
		return x | (x-lsb*0x20)&^x | (e-lsb)&^e
	}
	if len(b) < 8 {
		for _, c := range b {
			if c < 0x20 || c >= 0x80 || c == '\\' {
				return false
			}
		}
		return true
	}
	// Four words a turn, each turn's slice cut once so that the compiler
	// drops the other bounds checks; then the last word, which may
	// overlap words already checked.
	var any uint64
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		any |= stop(binary.LittleEndian.Uint64(w)) | stop(binary.LittleEndian.Uint64(w[8:])) |
			stop(binary.LittleEndian.Uint64(w[16:])) | stop(binary.LittleEndian.Uint64(w[24:]))
	}
	for ; i+8 <= len(b); i += 8 {
		any |= stop(binary.LittleEndian.Uint64(b[i:]))
	}
	if i < len(b) {
		any |= stop(binary.LittleEndian.Uint64(b[len(b)-8:]))
	}
	return any&msb == 0
}

// StringEnd finds the closing quote of a string whose contents start at
// b[i], its opening quote being in b before i: the index of the quote, or
// -1 when b ends first. It only finds the end; the string's contents are
// checked when the value is decoded.
func StringEnd(b []byte, i int) int {
	for {
		q := bytes.IndexByte(b[i:], '"') // vectorised: strings are most of the bytes
		if q < 0 {
			return -1
		}
		i += q
		// The quote is escaped after an odd number of backslashes; the
		// opening quote ends the count.
		n := 0
		for j := i - 1; b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		i++
	}
}

func IsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// HexValue is the value of a hex digit (IsHex).
func HexValue(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Digits reads, right at the current byte, a JSON integer with no sign,
// fraction or exponent (and no leading zero) as its text.
func (s *Scanner) Digits() ([]byte, bool) {
	start := s.I
	for s.I < len(s.B) && s.B[s.I] >= '0' && s.B[s.I] <= '9' {
		s.I++
	}
	d := s.B[start:s.I]
	if len(d) == 0 || (d[0] == '0' && len(d) > 1) || s.numberGoesOn() {
		return nil, false
	}
	return d, true
}

// numberGoesOn reports a number that continues past its digits (fraction,
// exponent): not a form Digits takes.
func (s *Scanner) numberGoesOn() bool {
	if s.I < len(s.B) {
		switch s.B[s.I] {
		case '.', 'e', 'E', '-', '+':
			return true
		}
	}
	return false
}

// Int64 reads, right at the current byte, an integer that Digits takes
// with an optional minus sign, of at most 18 digits (so it cannot
// overflow); longer ones are the general decoder's.
func (s *Scanner) Int64() (int64, bool) {
	neg := s.Eat('-')
	d, ok := s.Digits()
	if !ok || len(d) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range d {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Number reads, after white space, a JSON number of any form as its text.
func (s *Scanner) Number() ([]byte, bool) {
	s.WS()
	start := s.I
	s.Eat('-')
	if !s.Eat('0') && !s.someDigits() {
		return nil, false
	}
	if s.Eat('.') && !s.someDigits() {
		return nil, false
	}
	if s.Eat('e') || s.Eat('E') {
		if !s.Eat('+') {
			s.Eat('-')
		}
		if !s.someDigits() {
			return nil, false
		}
	}
	return s.B[start:s.I], true
}

func (s *Scanner) someDigits() bool {
	start := s.I
	for s.I < len(s.B) && s.B[s.I] >= '0' && s.B[s.I] <= '9' {
		s.I++
	}
	return s.I > start
}

// MaxDepth bounds the nesting Skip reads.
const MaxDepth = 64

// Skip reads any JSON value, checking its syntax, nested at most MaxDepth
// deep below depth.
func (s *Scanner) Skip(depth int) bool {
	if depth > MaxDepth {
		return false
	}
	switch s.Peek() {
	case '{':
		return s.Object(func([]byte) bool { return s.Skip(depth + 1) })
	case '[':
		return s.Array(func() bool { return s.Skip(depth + 1) })
	case '"':
		v, escaped, ok := s.Text(s.buf)
		if escaped {
			s.buf = v[:0]
		}
		return ok
	case 't':
		return s.Literal("true")
	case 'f':
		return s.Literal("false")
	case 'n':
		return s.Literal("null")
	}
	_, ok := s.Number()
	return ok
}
