package runtimegraph

import (
	"encoding/binary"
	"hash/fnv"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tracegraph/tracegraph/telemetry"
)

// An event is counted once by its timestamp and event_id, the key the
// database stores it under, within and across the files of one read: an
// export read twice, or two overlapping exports, give the graph one file
// gives. Both ReadFiles and FromFiles keep the first copy in file and line
// order, as the database keeps the first it stores, each its own way (see
// sieve and copyLog).
//
// Memory: ReadFiles keeps a set of the keys seen, about 100 bytes an event
// with the maps' overhead, so some 1 GB for ten million events. FromFiles
// keeps a log of 48 bytes an event (see copyLog). Both are let go when the
// read ends. ReadOptions.KeepDuplicates turns deduplication off (ingest
// does: the database counts duplicates itself).

// eventKey is an event's identity: its event_id as 16 bytes (the UUID, or
// a 128-bit FNV hash of an id that is no UUID) and its timestamp.
type eventKey struct {
	id [16]byte
	us int64
}

// idKey turns an event_id into 16 bytes: a UUID's own bytes, else a hash.
// It is called for every event read, so the UUID is read by a table
// rather than by encoding/hex, which took five times the instructions.
func idKey(id []byte) [16]byte {
	var k [16]byte
	if len(id) == 36 && id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-' {
		// Constant indexes into an array, unrolled: no bounds checks
		// and no loop.
		u := (*[36]byte)(id)
		var bad byte
		pair := func(j, i int) {
			hi, lo := hexValue[u[i]], hexValue[u[i+1]]
			bad |= hi | lo
			k[j] = hi<<4 | lo
		}
		pair(0, 0)
		pair(1, 2)
		pair(2, 4)
		pair(3, 6)
		pair(4, 9)
		pair(5, 11)
		pair(6, 14)
		pair(7, 16)
		pair(8, 19)
		pair(9, 21)
		pair(10, 24)
		pair(11, 26)
		pair(12, 28)
		pair(13, 30)
		pair(14, 32)
		pair(15, 34)
		if bad < 16 {
			return k
		}
	}
	h := fnv.New128a()
	h.Write(id)
	copy(k[:], h.Sum(nil))
	return k
}

// hexValue is the value of a hex digit of either case, and 0xff for any
// other byte.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

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

// sieve keeps, for ReadFiles, the first copy of each event in file order.
// Workers decode their chunks at once, but each chunk's keys go into the
// set of keys seen in the order the chunks were read: in the chunk's turn,
// shard by shard, so that a worker is held up only on the shards the
// chunk before its own is still on. Deciding as events came to workers
// would keep whichever copy a worker reached first, and so an event's
// content could differ from one read to the next.
type sieve struct {
	mu      sync.Mutex
	turn    *sync.Cond
	next    [sieveShards]int64 // per shard, the chunk whose turn it is
	stopped bool
	seen    [sieveShards]map[eventKey]struct{}
	dups    atomic.Int64
}

const sieveShards = 16

func newSieve() *sieve {
	s := &sieve{}
	s.turn = sync.NewCond(&s.mu)
	for i := range s.seen {
		s.seen[i] = map[eventKey]struct{}{}
	}
	return s
}

func shardOf(k eventKey) int { return int(k.id[15]^k.id[7]^byte(k.us)) % sieveShards }

// sift sets b.keep[i] for each of b.keys seen for the first time, once
// every chunk before seq has been sifted. It reports false if the read was
// stopped first.
func (s *sieve) sift(seq int64, b *batch) bool {
	// The keys' indexes grouped by shard, so that each shard's turn looks
	// at its own keys only.
	var start [sieveShards + 1]int32
	for _, k := range b.keys {
		start[shardOf(k)+1]++
	}
	for sh := range sieveShards {
		start[sh+1] += start[sh]
	}
	b.byShard = slices.Grow(b.byShard[:0], len(b.keys))[:len(b.keys)]
	next := start
	for i, k := range b.keys {
		sh := shardOf(k)
		b.byShard[next[sh]] = int32(i)
		next[sh]++
	}
	b.keep = slices.Grow(b.keep[:0], len(b.keys))[:len(b.keys)]
	for sh := range sieveShards {
		s.mu.Lock()
		for s.next[sh] != seq && !s.stopped {
			s.turn.Wait()
		}
		stopped := s.stopped
		s.mu.Unlock()
		if stopped {
			return false
		}
		// This shard's map is the turn holder's alone.
		m := s.seen[sh]
		var dups int64
		for _, i := range b.byShard[start[sh]:start[sh+1]] {
			n := len(m)
			m[b.keys[i]] = struct{}{}
			if b.keep[i] = len(m) > n; !b.keep[i] {
				dups++
			}
		}
		s.dups.Add(dups)
		s.mu.Lock()
		s.next[sh]++
		s.mu.Unlock()
		s.turn.Broadcast()
	}
	return true
}

// stop wakes every chunk waiting for its turn: a cancelled read drops
// chunks, whose turns never come.
func (s *sieve) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.turn.Broadcast()
}

// FromFiles does not ask a shared set about each event as it reads: with
// millions of keys that set outgrows the caches, and adding to it was 37%
// of a read's CPU time (pprof of BenchmarkFromFiles, 2 M events), most of
// it waiting on memory. Instead every worker counts every copy and notes
// it in a copyLog, split by a hash of its key into parts small enough to
// stay in cache. Once the read is done, each part is searched for keys
// noted twice, and all but the first copy of each (in file and line
// order, the copy the database keeps) are uncounted from their builder.
//
// Uncounting is exact for counts, errors and durations. A copy's other
// effects (its services, its group's reply type and times) are not taken
// back, so a copy is only uncounted when it counted the same as the kept
// one: in the same group, with the same virtual flags and the same
// extras (see extrasSum). When two copies differ (an event id reused for
// another event), the log cannot say which effects to take back, and
// FromFiles reads again with the shared set and one worker, which keeps
// the first copy too.

// logParts is how many parts a copyLog has: 2 M events give parts of some
// 8,000 entries, whose set fits in a core's cache.
const logParts = 256

// A logEntry is one copy of an event, as it was counted.
type logEntry struct {
	key eventKey
	// at orders the copies: file index, then line.
	at uint64
	// sum is, for an event counted in a group, extrasSum; for one counted
	// in none (a start or complete event, say), contentSum.
	sum uint64
	ref Ref
	// bits holds the duration's BucketIndex and the flags below.
	bits   uint16
	worker uint16
}

const (
	bucketMask = 1<<10 - 1
	// noBucket is the bucket of a negative duration.
	noBucket    = bucketMask
	bitErr      = 1 << 10
	bitMatched  = 1 << 11 // it passed the filter and was counted
	bitsVirtual = 3 << 12 // virtualBits
)

// virtualBits are an event's virtual flags as logEntry.bits holds them.
func virtualBits(e *telemetry.Event) uint16 {
	var v uint16
	if e.ServiceVirtual {
		v |= 1 << 12
	}
	if e.PeerVirtual {
		v |= 2 << 12
	}
	return v
}

// copyLog is one worker's entries. Each part is a list of blocks, each
// twice the last up to logBlock entries: growing one slice would copy
// every entry again at each doubling (6% of a read's CPU time, pprof).
type copyLog struct {
	parts [logParts][][]logEntry
}

// logBlock is the most entries a block of a copyLog holds.
const logBlock = 1024

func (l *copyLog) note(en logEntry) {
	// A multiplicative hash of all the key's bits: event ids that differ
	// only in a few bytes (a counter in a UUID's last ones, say) still
	// spread over every part.
	x := binary.LittleEndian.Uint64(en.key.id[:8]) ^ binary.LittleEndian.Uint64(en.key.id[8:]) ^ uint64(en.key.us)
	p := &l.parts[(x*0x9e3779b97f4a7c15)>>56%logParts]
	n := len(*p)
	if n == 0 || len((*p)[n-1]) == cap((*p)[n-1]) {
		size := 16
		if n > 0 {
			size = min(2*cap((*p)[n-1]), logBlock)
		}
		*p = append(*p, make([]logEntry, 0, size))
		n++
	}
	(*p)[n-1] = append((*p)[n-1], en)
}

// extrasSum hashes what an event counted in a group adds beyond its group
// and its flags: its reply type and, for a send, whose group does not name
// its peer, the peer. Both are mostly empty, and then it costs nothing.
func extrasSum(seed maphash.Seed, e *telemetry.Event, send bool) uint64 {
	var h uint64
	if e.ReplyType != "" {
		h = maphash.String(seed, e.ReplyType)
	}
	if send && e.PeerService != "" {
		h = h*0x100000001b3 ^ maphash.String(seed, e.PeerService)
	}
	return h
}

// contentSum hashes what Builder.Add counts of an event of no group: the
// services it names.
func contentSum(seed maphash.Seed, e *telemetry.Event) uint64 {
	return maphash.Comparable(seed, [...]string{e.EventType, e.Service, e.PeerService})
}

// duplicates returns the entries of copies that are not the first of
// their event in logs, searching the parts on workers goroutines, and
// whether two copies of one event counted differently (see same).
func duplicates(logs []*copyLog, workers int, same func(a, b *logEntry) bool) (dups []logEntry, differ bool) {
	var mu sync.Mutex
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []logEntry
			var odd bool
			first := map[eventKey]logEntry{}
			visit := func(en logEntry) {
				kept, seen := first[en.key]
				if !seen {
					first[en.key] = en
					return
				}
				dup := en
				if en.at < kept.at {
					kept, dup = en, kept
					first[en.key] = en
				}
				odd = odd || !same(&kept, &dup)
				mine = append(mine, dup)
			}
			for p := int(next.Add(1) - 1); p < logParts; p = int(next.Add(1) - 1) {
				clear(first)
				for _, l := range logs {
					for _, block := range l.parts[p] {
						for _, en := range block {
							visit(en)
						}
					}
				}
			}
			mu.Lock()
			dups, differ = append(dups, mine...), differ || odd
			mu.Unlock()
		})
	}
	wg.Wait()
	return dups, differ
}
