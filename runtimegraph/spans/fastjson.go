package spans

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// scan is a strict, allocation-light JSON reader for the fast decoders
// (otlpfast.go, zipkinfast.go). Every method reports false for anything it
// does not read exactly as the general decoder would (escapes it does not
// handle, number forms, nulls, invalid UTF-8, bad syntax); the caller then
// gives the whole value to protojson or encoding/json, which decide. So a
// false is never an error, only "not the common shape".
type scan struct {
	b     []byte
	i     int
	buf   []byte    // scratch for strings with escapes
	names *strCache // interns the strings read; nil: none
}

// strCache interns the short strings a decoder reads again and again
// (attribute keys, service names, common values, the ids of a trace), so
// that a span's strings are mostly shared instead of allocated one by one:
// allocation and the collector's work on it are much of an import's time.
// It is direct-mapped: a slot holds the last string that hashed to it, so
// it stays small however many distinct strings the input has. Each decoding
// worker has its own; the zero value is ready to use.
type strCache struct {
	seed  maphash.Seed
	slots [strCacheSlots]string
}

const (
	strCacheSlots = 4096 // a power of two
	// strCacheMax is the longest string interned: longer ones (URLs,
	// statements, messages) rarely repeat.
	strCacheMax = 64
)

// str is b as a string, shared with an earlier equal one when the cache
// still holds it.
func (c *strCache) str(b []byte) string {
	if c == nil || len(b) == 0 || len(b) > strCacheMax {
		return string(b)
	}
	if c.seed == (maphash.Seed{}) {
		c.seed = maphash.MakeSeed()
	}
	slot := &c.slots[maphash.Bytes(c.seed, b)&(strCacheSlots-1)]
	if *slot == string(b) {
		return *slot
	}
	*slot = string(b)
	return *slot
}

func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// tok consumes c after white space.
func (s *scan) tok(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// peek is the next byte after white space, or 0 at the end.
func (s *scan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// end reports whether only white space is left.
func (s *scan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// object reads an object, calling field for each key (a raw key: no
// escapes) with the scanner on the value, which field must consume.
func (s *scan) object(field func(key []byte) bool) bool {
	if !s.tok('{') {
		return false
	}
	if s.tok('}') {
		return true
	}
	for {
		key, ok := s.rawString()
		if !ok || !s.tok(':') || !field(key) {
			return false
		}
		if s.tok(',') {
			continue
		}
		return s.tok('}')
	}
}

// array reads an array, calling elem with the scanner on each element.
func (s *scan) array(elem func() bool) bool {
	if !s.tok('[') {
		return false
	}
	if s.tok(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.tok(',') {
			continue
		}
		return s.tok(']')
	}
}

// rawString reads a string with no escapes and only ASCII, as the bytes
// between the quotes (valid until the input changes).
func (s *scan) rawString() ([]byte, bool) {
	if !s.tok('"') {
		return nil, false
	}
	start := s.i
	s.i += plainRun(s.b[s.i:])
	if s.i < len(s.b) && s.b[s.i] == '"' {
		s.i++
		return s.b[start : s.i-1], true
	}
	return nil, false
}

// str reads a string as text: valid UTF-8, the escapes of RFC 8259 except
// \u escapes of surrogates (both decoders read those, with their own rules
// for unpaired ones).
func (s *scan) str() (string, bool) {
	if !s.tok('"') {
		return "", false
	}
	start := s.i
	s.i += plainRun(s.b[s.i:])
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.names.str(s.b[start : s.i-1]), true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return "", false
		case c >= 0x80:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", false
			}
			s.i += n
			continue
		}
		s.i++
	}
	return "", false
}

// escaped finishes a string from its first backslash, the text before it
// starting at start.
func (s *scan) escaped(start int) (string, bool) {
	out := append(s.buf[:0], s.b[start:s.i]...)
	defer func() { s.buf = out[:0] }()
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c >= 0x80:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", false
			}
			out = append(out, s.b[s.i:s.i+n]...)
			s.i += n
			continue
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return "", false
		}
		e := s.b[s.i+1]
		s.i += 2
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
			if s.i+4 > len(s.b) {
				return "", false
			}
			var v rune
			for _, h := range s.b[s.i : s.i+4] {
				if !isHex(h) {
					return "", false
				}
				v = v<<4 | rune(hexValue(h))
			}
			if v >= 0xd800 && v < 0xe000 {
				return "", false
			}
			out = utf8.AppendRune(out, v)
			s.i += 4
		default:
			return "", false
		}
	}
	return "", false
}

// plainRun is the length of b's leading run of plain string bytes: ASCII
// but for control characters, '"' and '\\'. Strings are most of the input
// and short, so it looks at eight bytes at a time (a zero-byte test on
// each word: the lowest flagged byte is exact) rather than at each.
func plainRun(b []byte) int {
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

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hexValue is the value of a hex digit (isHex).
func hexValue(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// digits reads a JSON integer with no sign, fraction or exponent (and no
// leading zero) as its text, right at the current byte.
func (s *scan) digits() ([]byte, bool) {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	d := s.b[start:s.i]
	if len(d) == 0 || (d[0] == '0' && len(d) > 1) || s.numberGoesOn() {
		return nil, false
	}
	return d, true
}

// numberGoesOn reports a number that continues past its digits (fraction,
// exponent): not a form the fast decoders take.
func (s *scan) numberGoesOn() bool {
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E', '-', '+':
			return true
		}
	}
	return false
}

// uint reads an unsigned integer of bits bits, as a JSON number or a string
// of digits (protojson's forms of uint32 and uint64).
func (s *scan) uint(bits int) (uint64, bool) {
	quoted := s.peek() == '"'
	if quoted {
		s.i++
	}
	d, ok := s.digits()
	if !ok || (quoted && !s.quote()) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d), 10, bits)
	return v, err == nil
}

// int64 reads a signed 64-bit integer, as a number or a string.
func (s *scan) int64() (int64, bool) {
	quoted := s.peek() == '"'
	if quoted {
		s.i++
	}
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	d, ok := s.digits()
	if !ok || (quoted && !s.quote()) {
		return 0, false
	}
	text := string(d)
	if neg {
		text = "-" + text
	}
	v, err := strconv.ParseInt(text, 10, 64)
	return v, err == nil
}

// quote consumes the closing quote of a quoted number, right after it.
func (s *scan) quote() bool {
	if s.i < len(s.b) && s.b[s.i] == '"' {
		s.i++
		return true
	}
	return false
}

// number reads a JSON number of any form as its text.
func (s *scan) number() ([]byte, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	if !s.intPart() {
		return nil, false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.someDigits() {
			return nil, false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.someDigits() {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

func (s *scan) intPart() bool {
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
		return true
	}
	return s.someDigits()
}

func (s *scan) someDigits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// boolean reads true or false.
func (s *scan) boolean() (bool, bool) {
	s.ws()
	rest := s.b[s.i:]
	if len(rest) >= 4 && string(rest[:4]) == "true" {
		s.i += 4
		return true, true
	}
	if len(rest) >= 5 && string(rest[:5]) == "false" {
		s.i += 5
		return false, true
	}
	return false, false
}

// literal consumes the word w (true, false, null).
func (s *scan) literal(w string) bool {
	s.ws()
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return false
}

// skip reads any JSON value, checking its syntax, to a bounded depth.
func (s *scan) skip(depth int) bool {
	if depth > 64 {
		return false
	}
	switch s.peek() {
	case '{':
		return s.object(func([]byte) bool { return s.skip(depth + 1) })
	case '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, ok := s.number()
	return ok
}

// hexID reads an id written in hex as OTLP/JSON and Zipkin write them, lower
// case. Only 16 or 32 digits (or an empty string) are taken.
func (s *scan) hexID() (string, bool) {
	raw, ok := s.rawString()
	if !ok || (len(raw) != 0 && len(raw) != 16 && len(raw) != 32) {
		return "", false
	}
	upper := false
	for _, c := range raw {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "", false
		}
	}
	if !upper {
		return s.names.str(raw), true
	}
	var lower [32]byte
	for i, c := range raw {
		if c >= 'A' && c <= 'F' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return s.names.str(lower[:len(raw)]), true
}
