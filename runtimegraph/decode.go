package runtimegraph

import (
	"bytes"
	"errors"
	"unicode/utf8"

	"github.com/tracegraph/tracegraph/telemetry"
)

// Decoder parses one JSON event per call, like telemetry.DecodeEvent and with
// the same result, several times faster. It scans the known fields of the
// Event record by hand; anything it does not handle (escapes, nulls, unknown
// or repeated keys, unusual numbers or times) goes to telemetry.DecodeEvent,
// so the fast path never decides a case the standard decoder would decide
// differently. The fuzz test holds the two to that.
//
// A Decoder interns the short strings that repeat across events (service,
// channel, message type and so on), so it is not safe for concurrent use.
type Decoder struct {
	intern map[string]string
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return &Decoder{intern: map[string]string{}} }

// maxInterned bounds the intern table: a file of unique operation names
// must not grow it without limit.
const maxInterned = 1 << 16

// Decode parses data into e (which it resets) and validates it as
// telemetry.DecodeEvent does.
func (d *Decoder) Decode(data []byte, e *telemetry.Event) error {
	*e = telemetry.Event{}
	if d.fast(data, e) {
		return nil
	}
	*e = telemetry.Event{}
	return telemetry.DecodeEvent(data, e)
}

// Field bits, to send a repeated key to the slow path (encoding/json merges
// a repeated object field into the map it already holds).
const (
	fEventID = 1 << iota
	fTraceID
	fEventType
	fTimestamp
	fService
	fOperation
	fChannel
	fMessageType
	fReplyType
	fSystem
	fMessageID
	fParentIDs
	fPeerService
	fPeerVirtual
	fDurationUS
	fStatus
	fError
	fTags
)

var errSlow = errors.New("slow path")

// scanner walks one line. Any error means "let encoding/json decide".
type scanner struct {
	b []byte
	i int
	d *Decoder
}

func (d *Decoder) fast(data []byte, e *telemetry.Event) bool {
	s := scanner{b: data, d: d}
	s.ws()
	if !s.eat('{') {
		return false
	}
	var seen uint32
	s.ws()
	if s.eat('}') {
		return false // an empty object is missing required fields: let DecodeEvent say which
	}
	for {
		s.ws()
		key, ok := s.rawString()
		if !ok {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		bit, err := s.field(key, e)
		if err != nil || seen&bit != 0 {
			return false
		}
		seen |= bit
		s.ws()
		if s.eat(',') {
			continue
		}
		if !s.eat('}') {
			return false
		}
		break
	}
	s.ws()
	if s.i != len(s.b) {
		return false
	}
	if e.EventID == "" || e.EventType == "" || e.Service == "" || e.Timestamp.IsZero() {
		return false
	}
	e.Normalize()
	return true
}

func (s *scanner) field(key []byte, e *telemetry.Event) (uint32, error) {
	var err error
	switch string(key) {
	case "event_id":
		e.EventID, err = s.str(false)
		return fEventID, err
	case "trace_id":
		e.TraceID, err = s.str(false)
		return fTraceID, err
	case "event_type":
		e.EventType, err = s.str(true)
		return fEventType, err
	case "timestamp":
		start := s.i
		if _, ok := s.rawString(); !ok {
			return 0, errSlow
		}
		// The same method encoding/json calls, so the same times parse.
		return fTimestamp, e.Timestamp.UnmarshalJSON(s.b[start:s.i])
	case "service":
		e.Service, err = s.str(true)
		return fService, err
	case "operation":
		e.Operation, err = s.str(true)
		return fOperation, err
	case "channel":
		e.Channel, err = s.str(true)
		return fChannel, err
	case "message_type":
		e.MessageType, err = s.str(true)
		return fMessageType, err
	case "reply_type":
		e.ReplyType, err = s.str(true)
		return fReplyType, err
	case "system":
		e.System, err = s.str(true)
		return fSystem, err
	case "message_id":
		e.MessageID, err = s.str(false)
		return fMessageID, err
	case "peer_service":
		e.PeerService, err = s.str(true)
		return fPeerService, err
	case "status":
		e.Status, err = s.str(true)
		return fStatus, err
	case "error":
		e.Error, err = s.str(false)
		return fError, err
	case "peer_virtual":
		switch {
		case s.lit("true"):
			e.PeerVirtual = true
		case s.lit("false"):
		default:
			return 0, errSlow
		}
		return fPeerVirtual, nil
	case "duration_us":
		e.DurationUS, err = s.int()
		return fDurationUS, err
	case "parent_ids":
		e.ParentIDs, err = s.strings()
		return fParentIDs, err
	case "tags":
		e.Tags, err = s.tags()
		return fTags, err
	}
	return 0, errSlow
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) lit(l string) bool {
	if len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l {
		s.i += len(l)
		return true
	}
	return false
}

// rawString returns the contents of a string with no escapes, no control
// characters and valid UTF-8: exactly the strings whose bytes encoding/json
// would keep unchanged.
func (s *scanner) rawString() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	n := bytes.IndexByte(s.b[s.i:], '"')
	if n < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+n]
	var special byte
	for _, c := range v {
		special |= plain[c]
	}
	if special != 0 {
		// An escape or control character is the slow path's; other bytes
		// over 0x7f are fine if they are valid UTF-8.
		for _, c := range v {
			if c == '\\' || c < 0x20 {
				return nil, false
			}
		}
		if !utf8.Valid(v) {
			return nil, false
		}
	}
	s.i += n + 1
	return v, true
}

// plain marks the bytes a string's contents need a closer look at.
var plain = func() (t [256]byte) {
	for c := range 256 {
		if c < 0x20 || c == '\\' || c >= 0x80 {
			t[c] = 1
		}
	}
	return t
}()

func (s *scanner) str(intern bool) (string, error) {
	v, ok := s.rawString()
	if !ok {
		return "", errSlow
	}
	if !intern {
		return string(v), nil
	}
	if x, ok := s.d.intern[string(v)]; ok {
		return x, nil
	}
	x := string(v)
	if len(s.d.intern) < maxInterned {
		s.d.intern[x] = x
	}
	return x, nil
}

// int reads a JSON integer that fits int64; fractions, exponents and
// overflow go to the slow path, which reports them as encoding/json does.
func (s *scanner) int() (int64, error) {
	neg := s.eat('-')
	start := s.i
	var n uint64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		if s.i-start >= 18 {
			return 0, errSlow
		}
		n = n*10 + uint64(s.b[s.i]-'0')
		s.i++
	}
	digits := s.i - start
	if digits == 0 || (digits > 1 && s.b[start] == '0') {
		return 0, errSlow
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return 0, errSlow
		}
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

func (s *scanner) strings() ([]string, error) {
	if !s.eat('[') {
		return nil, errSlow
	}
	s.ws()
	out := []string{}
	if s.eat(']') {
		return out, nil
	}
	for {
		s.ws()
		v, err := s.str(false)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return out, nil
		}
		return nil, errSlow
	}
}

func (s *scanner) tags() (map[string]string, error) {
	if !s.eat('{') {
		return nil, errSlow
	}
	s.ws()
	out := map[string]string{}
	if s.eat('}') {
		return out, nil
	}
	for {
		s.ws()
		k, err := s.str(true)
		if err != nil {
			return nil, err
		}
		if _, dup := out[k]; dup {
			return nil, errSlow
		}
		s.ws()
		if !s.eat(':') {
			return nil, errSlow
		}
		s.ws()
		v, err := s.str(true)
		if err != nil {
			return nil, err
		}
		out[k] = v
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return out, nil
		}
		return nil, errSlow
	}
}
