package spans

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/tracegraph/tracegraph/internal/jsonscan"
)

// scan is the fast decoders' reader (otlpfast.go, zipkinfast.go):
// jsonscan's strict scanner, plus the forms OTLP/JSON and Zipkin write
// (ids in hex, integers quoted or not) and the interning of strings. As
// jsonscan's, every method reports false for anything it does not read
// exactly as protojson or encoding/json would; the caller then gives the
// whole value to them, which decide.
type scan struct {
	jsonscan.Scanner
	buf   []byte    // scratch for strings with escapes
	names *strCache // interns the strings read; nil: none
}

func newScan(data []byte, names *strCache) scan {
	return scan{Scanner: jsonscan.Scanner{B: data}, names: names}
}

// strCache interns the short strings a decoder reads again and again
// (attribute keys, service names, common values, the ids of a trace), so
// that a span's strings are mostly shared instead of allocated one by one:
// allocation and the collector's work on it are much of an import's time.
// It is direct-mapped: a slot holds the last string that hashed to it, so
// it stays small however many distinct strings the input has. Each decoding
// worker has its own; the zero value is ready to use.
//
// Its hash is maphash with a seed of its own (the fastest here: bench
// ReadOTLPJSON, about 10% of an import's CPU against a hand-mixed hash),
// except in a fuzz run (fixed): there the same input must take the same
// slots every time, so that the fuzzer sees the same coverage for the same
// input; a new seed each run made every input look new, and the fuzzer
// spent its time minimizing them. Colliding strings only cost an
// allocation.
type strCache struct {
	slots []string // strCacheSlots of them, made on first use; a power of two
	seed  maphash.Seed
	fixed bool // hash with strHash, unseeded
}

const (
	strCacheSlots = 4096 // a power of two
	// strCacheMax is the longest string interned: longer ones (URLs,
	// statements, messages) rarely repeat.
	strCacheMax = 64
)

// str is b as a string, shared with an earlier equal one when the cache
// still holds it. b must be valid UTF-8 (every decoder's strings are):
// textOf relies on the cache holding nothing else.
func (c *strCache) str(b []byte) string {
	if c == nil || len(b) == 0 || len(b) > strCacheMax {
		return string(b)
	}
	slot := c.slot(b)
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}

// textOf is str for bytes not yet checked: ok false when b is not valid
// UTF-8. A string the cache holds was checked when it came in, so a hit
// is not checked again.
func (c *strCache) textOf(b []byte) (string, bool) {
	if c == nil || len(b) == 0 || len(b) > strCacheMax {
		return string(b), utf8.Valid(b)
	}
	slot := c.slot(b)
	if *slot == string(b) {
		return *slot, true
	}
	if !utf8.Valid(b) {
		return "", false
	}
	*slot = string(b)
	return *slot, true
}

// slot is the cache's slot for b: the last string that hashed there.
func (c *strCache) slot(b []byte) *string {
	if c.slots == nil {
		c.slots = make([]string, strCacheSlots)
	}
	var h uint64
	if c.fixed {
		h = strHash(b)
	} else {
		if c.seed == (maphash.Seed{}) {
			c.seed = maphash.MakeSeed()
		}
		h = maphash.Bytes(c.seed, b)
	}
	return &c.slots[h&uint64(len(c.slots)-1)]
}

// strHash mixes b eight bytes at a time (b is at most strCacheMax long).
func strHash(b []byte) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(len(b)) * m
	for ; len(b) >= 8; b = b[8:] {
		h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(b))*m, 31)
	}
	var tail uint64
	for i, c := range b {
		tail |= uint64(c) << (8 * i)
	}
	h = (h ^ tail) * m
	return h ^ h>>32
}

// str reads a string as text (jsonscan.Scanner.Text), interning it.
func (s *scan) str() (string, bool) {
	v, escaped, ok := s.Text(s.buf)
	if !ok {
		return "", false
	}
	if escaped {
		s.buf = v[:0]
		return string(v), true
	}
	return s.names.str(v), true
}

// uint reads an unsigned integer of bits bits, as a JSON number or a string
// of digits (protojson's forms of uint32 and uint64).
func (s *scan) uint(bits int) (uint64, bool) {
	quoted := s.Peek() == '"'
	if quoted {
		s.I++
	}
	d, ok := s.Digits()
	if !ok || (quoted && !s.Eat('"')) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d), 10, bits)
	return v, err == nil
}

// int64 reads a signed 64-bit integer, as a number or a string.
func (s *scan) int64() (int64, bool) {
	quoted := s.Peek() == '"'
	if quoted {
		s.I++
	}
	neg := s.Eat('-')
	d, ok := s.Digits()
	if !ok || (quoted && !s.Eat('"')) {
		return 0, false
	}
	text := string(d)
	if neg {
		text = "-" + text
	}
	v, err := strconv.ParseInt(text, 10, 64)
	return v, err == nil
}

// hexID reads an id written in hex as OTLP/JSON and Zipkin write them, lower
// case. Only 16 or 32 digits (or an empty string) are taken.
func (s *scan) hexID() (string, bool) {
	raw, ok := s.ASCIIString()
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
