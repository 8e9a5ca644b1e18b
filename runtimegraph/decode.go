package runtimegraph

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"time"

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
	cache [8192]string
	// skip lists fields to check but not keep (see graphFields).
	skip uint32
	// skippedID is the key of the last event's event_id when it was
	// skipped (see Key).
	skippedID  [16]byte
	hasSkipped bool
	// next predicts, by the index of a field (0 for none), the field
	// that follows it: the one that followed it last time. Lines of one
	// file mostly have their keys in one order, so a key is mostly found
	// by comparing its bytes with the prediction's, not by scanning it as
	// a string and looking it up.
	next [numFields + 1]uint8
	// day is the date of the last timestamp read, and midnight its start.
	day      [10]byte
	midnight time.Time
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

// fieldKeys are the Event fields' keys as a compact line writes them,
// with their quotes and colon, by field index (see fieldIndex); it is
// what Decoder.next predicts.
var fieldKeys = func() (k [numFields + 1]fieldKey) {
	for _, name := range [...]string{"event_id", "trace_id", "event_type", "timestamp", "service", "operation",
		"channel", "message_type", "reply_type", "system", "message_id", "parent_ids", "peer_service", "peer_virtual",
		"service_virtual", "duration_us", "status", "error", "tags"} {
		text := `"` + name + `":`
		fk := fieldKey{text: text}
		if n := len(text); n >= 8 {
			fk.head, fk.tail = binary.LittleEndian.Uint64([]byte(text)), binary.LittleEndian.Uint64([]byte(text[n-8:]))
		}
		k[fieldIndex(fieldBit([]byte(name)))] = fk
	}
	return k
}()

// A fieldKey is a key's text and, when it is 8 bytes or more, its first
// and last eight as words.
type fieldKey struct {
	text       string
	head, tail uint64
}

// at reports whether b starts with k, len(b) >= len(k.text). Keys of 8 to
// 16 bytes, most of them, are compared as two words that may overlap,
// with no call of memequal.
func (k *fieldKey) at(b []byte) bool {
	if n := len(k.text); n >= 8 && n <= 16 {
		return binary.LittleEndian.Uint64(b) == k.head && binary.LittleEndian.Uint64(b[n-8:]) == k.tail
	}
	return string(b[:len(k.text)]) == k.text
}

// numFields is how many fields have a bit.
const numFields = 19

// fieldIndex numbers a field bit from 1; 0 is no field.
func fieldIndex(bit uint32) int { return bits.Len32(bit) }

var errSlow = errors.New("slow path")

// scanner walks one line. Any error means "let encoding/json decide".
type scanner struct {
	jsonscan.Scanner
	d     *Decoder
	hasID bool // a skipped event_id was not empty
}

func (d *Decoder) fast(data []byte, e *telemetry.Event) bool {
	s := scanner{Scanner: jsonscan.Scanner{B: data, Plain: jsonscan.Plain(data)}, d: d}
	s.WS()
	if !s.Eat('{') {
		return false
	}
	var seen uint32
	s.WS()
	if s.Eat('}') {
		return false // an empty object is missing required fields: let DecodeEvent say which
	}
	prev := 0
	for {
		s.WS()
		var bit uint32
		if k := &fieldKeys[d.next[prev]]; k.text != "" && len(s.B)-s.I >= len(k.text) && k.at(s.B[s.I:]) {
			s.I += len(k.text)
			bit = 1 << (d.next[prev] - 1)
		} else {
			key, ok := s.PlainString()
			if !ok {
				return false
			}
			s.WS()
			if !s.Eat(':') {
				return false
			}
			bit = fieldBit(key)
			d.next[prev] = uint8(fieldIndex(bit))
		}
		prev = fieldIndex(bit)
		s.WS()
		bit, err := s.field(bit, e)
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

func (s *scanner) field(bit uint32, e *telemetry.Event) (uint32, error) {
	if bit&s.d.skip != 0 {
		return bit, s.skipField(bit)
	}
	var err error
	switch bit {
	case fEventID:
		e.EventID, err = s.str(false)
	case fTraceID:
		e.TraceID, err = s.str(false)
	case fEventType:
		e.EventType, err = s.str(true)
	case fTimestamp:
		start := s.I
		v, ok := s.PlainString()
		if !ok {
			return 0, errSlow
		}
		if t, ok := s.d.parseTime(v); ok {
			e.Timestamp = t
			return bit, nil
		}
		// The same method encoding/json calls, so the same times parse.
		return bit, e.Timestamp.UnmarshalJSON(s.B[start:s.I])
	case fService:
		e.Service, err = s.str(true)
	case fOperation:
		e.Operation, err = s.str(true)
	case fChannel:
		e.Channel, err = s.str(true)
	case fMessageType:
		e.MessageType, err = s.str(true)
	case fReplyType:
		e.ReplyType, err = s.str(true)
	case fSystem:
		e.System, err = s.str(true)
	case fMessageID:
		e.MessageID, err = s.str(false)
	case fPeerService:
		e.PeerService, err = s.str(true)
	case fStatus:
		e.Status, err = s.str(true)
	case fError:
		e.Error, err = s.str(false)
	case fPeerVirtual:
		e.PeerVirtual, err = s.boolean()
	case fServiceVirtual:
		e.ServiceVirtual, err = s.boolean()
	case fDurationUS:
		e.DurationUS, err = s.int()
	case fParentIDs:
		e.ParentIDs, err = s.strings(false)
	case fTags:
		e.Tags, err = s.tags(false)
	default:
		return 0, errSlow
	}
	return bit, err
}

// skipField checks the syntax of a field the Decoder does not keep.
func (s *scanner) skipField(bit uint32) error {
	switch bit {
	case fParentIDs:
		_, err := s.strings(true)
		return err
	case fTags:
		_, err := s.tags(true)
		return err
	}
	v, ok := s.PlainString()
	if !ok {
		return errSlow
	}
	if bit == fEventID {
		s.hasID = len(v) > 0
		s.d.skippedID, s.d.hasSkipped = idKey(v), true
	}
	return nil
}

// fieldBit is the bit of an Event field's JSON name, or 0.
func fieldBit(key []byte) uint32 {
	switch string(key) {
	case "event_id":
		return fEventID
	case "trace_id":
		return fTraceID
	case "event_type":
		return fEventType
	case "timestamp":
		return fTimestamp
	case "service":
		return fService
	case "operation":
		return fOperation
	case "channel":
		return fChannel
	case "message_type":
		return fMessageType
	case "reply_type":
		return fReplyType
	case "system":
		return fSystem
	case "message_id":
		return fMessageID
	case "parent_ids":
		return fParentIDs
	case "peer_service":
		return fPeerService
	case "peer_virtual":
		return fPeerVirtual
	case "service_virtual":
		return fServiceVirtual
	case "duration_us":
		return fDurationUS
	case "status":
		return fStatus
	case "error":
		return fError
	case "tags":
		return fTags
	}
	return 0
}

func (s *scanner) boolean() (bool, error) {
	if v, ok := s.Bool(); ok {
		return v, nil
	}
	return false, errSlow
}

// parseTime reads the form telemetry.Writer writes,
// 2006-01-02T15:04:05.999999Z (the fraction optional, 1 to 9 digits), as
// time.Time.UnmarshalJSON does; ok false leaves any other text to it.
func (d *Decoder) parseTime(v []byte) (time.Time, bool) {
	if len(v) < 20 || v[len(v)-1] != 'Z' || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	hour, minute, sec := num(v[11:13]), num(v[14:16]), num(v[17:19])
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := v[19 : len(v)-1]; len(frac) > 0 {
		digits := frac[1:]
		if frac[0] != '.' || len(digits) == 0 || len(digits) > 9 {
			return time.Time{}, false
		}
		if nsec = num(digits); nsec < 0 {
			return time.Time{}, false
		}
		for range 9 - len(digits) {
			nsec *= 10
		}
	}
	// The events of a file mostly fall on a few days: the last day's
	// midnight saves time.Date's calendar arithmetic.
	if string(v[:10]) != string(d.day[:]) {
		year, month, day := num(v[0:4]), num(v[5:7]), num(v[8:10])
		if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
			return time.Time{}, false
		}
		copy(d.day[:], v[:10])
		d.midnight = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	}
	return d.midnight.Add(time.Duration(hour*3600+minute*60+sec)*time.Second + time.Duration(nsec)), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func (s *scanner) str(reuse bool) (string, error) {
	v, ok := s.PlainString()
	if !ok {
		return "", errSlow
	}
	if !reuse || len(v) == 0 {
		return string(v), nil
	}
	h := stringSlot(v) % uint(len(s.d.cache))
	if c := s.d.cache[h]; c == string(v) {
		return c, nil
	}
	x := string(v)
	s.d.cache[h] = x
	return x, nil
}

// stringSlot hashes a string for the Decoder's cache from its length and
// its first and last eight bytes (fewer, for a short one), which is where
// names like svc-124.topic-795 differ.
func stringSlot(v []byte) uint {
	var head, tail uint64
	if n := len(v); n >= 8 {
		head, tail = binary.LittleEndian.Uint64(v), binary.LittleEndian.Uint64(v[n-8:])
	} else {
		for _, c := range v {
			head = head<<8 | uint64(c)
		}
	}
	return uint((head*0x9e3779b97f4a7c15 ^ tail*0xc2b2ae3d27d4eb4f ^ uint64(len(v))) >> 40)
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
