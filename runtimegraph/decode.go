package runtimegraph

import (
	"errors"

	"github.com/tracegraph/tracegraph/internal/jsonscan"
	"github.com/tracegraph/tracegraph/telemetry"
)

// Decoder parses one JSON event per call, like telemetry.DecodeEvent and with
// the same result, several times faster. It scans the known fields of the
// Event record by hand; anything it does not handle (escapes, nulls, unknown
// or repeated keys, unusual numbers or times) goes to telemetry.DecodeEvent,
// so the fast path never decides a case the standard decoder would decide
// differently. The fuzz test holds the two to that.
//
// A Decoder reuses the short strings that repeat across events (service,
// channel, message type and so on), so it is not safe for concurrent use.
type Decoder struct {
	// cache holds recent strings in slots chosen by a cheap hash; a hit
	// saves an allocation, a miss replaces the slot.
	cache [1024]string
	// skip lists fields to check but not keep (see graphFields).
	skip uint32
	// skippedID is the key of the last event's event_id when it was
	// skipped (see Key).
	skippedID  [16]byte
	hasSkipped bool
}

// NewDecoder returns a Decoder that fills every field.
func NewDecoder() *Decoder { return &Decoder{} }

// graphSkip are the fields the observed graph never reads. Skipping them
// (still checking their syntax, so the same lines are accepted) saves most
// of the allocations of a decode.
const graphSkip = fEventID | fTraceID | fOperation | fMessageID | fParentIDs | fError

// Decode parses data into e (which it resets) and validates it as
// telemetry.DecodeEvent does.
func (d *Decoder) Decode(data []byte, e *telemetry.Event) error {
	*e = telemetry.Event{}
	d.hasSkipped = false
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
	fServiceVirtual
	fDurationUS
	fStatus
	fError
	fTags
)

var errSlow = errors.New("slow path")

// scanner walks one line. Any error means "let encoding/json decide".
type scanner struct {
	jsonscan.Scanner
	d     *Decoder
	hasID bool // a skipped event_id was not empty
}

func (d *Decoder) fast(data []byte, e *telemetry.Event) bool {
	s := scanner{Scanner: jsonscan.Scanner{B: data}, d: d}
	s.WS()
	if !s.Eat('{') {
		return false
	}
	var seen uint32
	s.WS()
	if s.Eat('}') {
		return false // an empty object is missing required fields: let DecodeEvent say which
	}
	for {
		s.WS()
		key, ok := s.PlainString()
		if !ok {
			return false
		}
		s.WS()
		if !s.Eat(':') {
			return false
		}
		s.WS()
		bit, err := s.field(key, e)
		if err != nil || seen&bit != 0 {
			return false
		}
		seen |= bit
		s.WS()
		if s.Eat(',') {
			continue
		}
		if !s.Eat('}') {
			return false
		}
		break
	}
	s.WS()
	if s.I != len(s.B) {
		return false
	}
	if (e.EventID == "" && !s.hasID) || e.EventType == "" || e.Service == "" || e.Timestamp.IsZero() {
		return false
	}
	e.Normalize()
	return true
}

func (s *scanner) field(key []byte, e *telemetry.Event) (uint32, error) {
	var err error
	if bit := skippable(key); bit&s.d.skip != 0 {
		if bit == fParentIDs {
			_, err = s.strings(true)
			return bit, err
		}
		if bit == fTags {
			_, err = s.tags(true)
			return bit, err
		}
		v, ok := s.PlainString()
		if !ok {
			return 0, errSlow
		}
		if bit == fEventID {
			s.hasID = len(v) > 0
			s.d.skippedID, s.d.hasSkipped = idKey(v), true
		}
		return bit, nil
	}
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
		start := s.I
		if _, ok := s.PlainString(); !ok {
			return 0, errSlow
		}
		// The same method encoding/json calls, so the same times parse.
		return fTimestamp, e.Timestamp.UnmarshalJSON(s.B[start:s.I])
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
		case s.Literal("true"):
			e.PeerVirtual = true
		case s.Literal("false"):
		default:
			return 0, errSlow
		}
		return fPeerVirtual, nil
	case "service_virtual":
		switch {
		case s.Literal("true"):
			e.ServiceVirtual = true
		case s.Literal("false"):
		default:
			return 0, errSlow
		}
		return fServiceVirtual, nil
	case "duration_us":
		e.DurationUS, err = s.int()
		return fDurationUS, err
	case "parent_ids":
		e.ParentIDs, err = s.strings(false)
		return fParentIDs, err
	case "tags":
		e.Tags, err = s.tags(false)
		return fTags, err
	}
	return 0, errSlow
}

// skippable is the bit of a field a Decoder may skip, or 0.
func skippable(key []byte) uint32 {
	switch string(key) {
	case "event_id":
		return fEventID
	case "trace_id":
		return fTraceID
	case "operation":
		return fOperation
	case "message_id":
		return fMessageID
	case "parent_ids":
		return fParentIDs
	case "error":
		return fError
	case "tags":
		return fTags
	}
	return 0
}

func (s *scanner) str(reuse bool) (string, error) {
	v, ok := s.PlainString()
	if !ok {
		return "", errSlow
	}
	if !reuse || len(v) == 0 {
		return string(v), nil
	}
	h := (uint(len(v))*31 + uint(v[0])*7 + uint(v[len(v)-1])*131 + uint(v[len(v)/2])*17) % uint(len(s.d.cache))
	if c := s.d.cache[h]; c == string(v) {
		return c, nil
	}
	x := string(v)
	s.d.cache[h] = x
	return x, nil
}

// int reads a JSON integer that fits int64; fractions, exponents and
// overflow go to the slow path, which reports them as encoding/json does.
func (s *scanner) int() (int64, error) {
	if n, ok := s.Int64(); ok {
		return n, nil
	}
	return 0, errSlow
}

// strings reads an array of strings; with check only it keeps nothing.
func (s *scanner) strings(check bool) ([]string, error) {
	if !s.Eat('[') {
		return nil, errSlow
	}
	s.WS()
	out := []string{}
	if s.Eat(']') {
		return out, nil
	}
	for {
		s.WS()
		if check {
			if _, ok := s.PlainString(); !ok {
				return nil, errSlow
			}
		} else {
			v, err := s.str(false)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		s.WS()
		if s.Eat(',') {
			continue
		}
		if s.Eat(']') {
			return out, nil
		}
		return nil, errSlow
	}
}

// tags reads the tag object; with check only it keeps nothing (and a
// repeated key, which encoding/json accepts, needs no slow path).
func (s *scanner) tags(check bool) (map[string]string, error) {
	if !s.Eat('{') {
		return nil, errSlow
	}
	s.WS()
	var out map[string]string
	if !check {
		out = map[string]string{}
	}
	if s.Eat('}') {
		return out, nil
	}
	for {
		s.WS()
		k, err := s.tagString(check)
		if err != nil {
			return nil, err
		}
		if _, dup := out[k]; dup {
			return nil, errSlow
		}
		s.WS()
		if !s.Eat(':') {
			return nil, errSlow
		}
		s.WS()
		v, err := s.tagString(check)
		if err != nil {
			return nil, err
		}
		if !check {
			out[k] = v
		}
		s.WS()
		if s.Eat(',') {
			continue
		}
		if s.Eat('}') {
			return out, nil
		}
		return nil, errSlow
	}
}

func (s *scanner) tagString(check bool) (string, error) {
	if check {
		if _, ok := s.PlainString(); !ok {
			return "", errSlow
		}
		return "", nil
	}
	return s.str(true)
}
