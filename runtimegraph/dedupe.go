package runtimegraph

import (
	"encoding/hex"
	"hash/fnv"
	"sync"

	"github.com/tracegraph/tracegraph/telemetry"
)

// An event is counted once by its timestamp and event_id, the key the
// database stores it under, within and across the files of one read: an
// export read twice, or two overlapping exports, give the graph one file
// gives. Which of two copies with one key is kept is not defined; copies of
// one event are the same.
//
// Memory: the set of keys seen, 24 bytes of key per distinct event and the
// maps' overhead: about 100 bytes an event (BenchmarkFromFiles, 200,000
// events: 36 MB allocated a read without the set, 55 MB with it), so some
// 1 GB for ten million events; it is let go when the read ends. Adding a
// key is one map assignment, about 15% of a read's CPU time (pprof of
// BenchmarkFromFiles). ReadOptions.KeepDuplicates turns it off (ingest
// does: the database counts duplicates itself).

// eventKey is an event's identity: its event_id as 16 bytes (the UUID, or
// a 128-bit FNV hash of an id that is no UUID) and its timestamp.
type eventKey struct {
	id [16]byte
	us int64
}

// idKey turns an event_id into 16 bytes: a UUID's own bytes, else a hash.
func idKey(id []byte) [16]byte {
	var k [16]byte
	if len(id) == 36 && id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-' {
		var hexDigits [32]byte
		n := 0
		for _, c := range id {
			if c != '-' {
				hexDigits[n] = c
				n++
			}
		}
		if n == 32 {
			if _, err := hex.Decode(k[:], hexDigits[:]); err == nil {
				return k
			}
		}
	}
	h := fnv.New128a()
	h.Write(id)
	copy(k[:], h.Sum(nil))
	return k
}

// keyOf returns the identity of an event whose event_id is set.
func keyOf(e *telemetry.Event) eventKey {
	return eventKey{id: idKey([]byte(e.EventID)), us: e.Timestamp.UnixMicro()}
}

// Key returns the identity of e, the event this Decoder decoded last: its
// event_id was skipped (see graphSkip) or is set.
func (d *Decoder) Key(e *telemetry.Event) eventKey {
	if e.EventID == "" && d.hasSkipped {
		return eventKey{id: d.skippedID, us: e.Timestamp.UnixMicro()}
	}
	return keyOf(e)
}

// seenSet is the keys of the events read so far, sharded so that workers
// seldom wait for one another.
type seenSet struct {
	shards [64]struct {
		mu sync.Mutex
		m  map[eventKey]struct{}
	}
}

func newSeenSet() *seenSet {
	s := &seenSet{}
	for i := range s.shards {
		s.shards[i].m = map[eventKey]struct{}{}
	}
	return s
}

// add reports whether k is new, and records it.
func (s *seenSet) add(k eventKey) bool {
	sh := &s.shards[(k.id[15]^k.id[7]^byte(k.us))%64]
	sh.mu.Lock()
	// One assignment, not a lookup and then an assignment: the set only
	// grows when k is new.
	n := len(sh.m)
	sh.m[k] = struct{}{}
	added := len(sh.m) > n
	sh.mu.Unlock()
	return added
}
