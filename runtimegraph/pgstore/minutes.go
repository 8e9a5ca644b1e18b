package pgstore

import (
	"bytes"
	"context"
	"io"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tracegraph/tracegraph/runtimegraph"
)

// The minute cells (0010_rollup_minutes.sql): an entry's measures per
// slot of five minutes of its hour.

// slotMinutes is the length of a minute cell. Cells of one minute were
// 1.44 M for a day of 2 M events (bench/events.sh), and writing them took
// the flush 1.2 s, past ingest's target; cells of five are 560,000. The
// cost is the events of up to five minutes at each end of a window, read
// from the events.
const slotMinutes = 5

// slotLength is slotMinutes as a Duration.
const slotLength = slotMinutes * time.Minute

// minuteCell is an entry's measures of one slot. It holds no pointers, so
// that the garbage collector does not scan the hundreds of thousands of
// them a day of a large load holds: its reply type is an index in
// rollupBuf.replies, and its buckets after the first a chain in
// rollupBuf.links.
type minuteCell struct {
	minute      int64 // the Unix minute the cell's slot starts at
	n, errors   int64
	first, last int64 // Unix microseconds
	b0, n0      int64 // n0 events in bucket b0 (a bucket's lower bound, as duration_bucket gives it)
	reply       int32
	more        int32 // the first of the other buckets in rollupBuf.links; 0 for none
	prev        int32 // the entry's cell before this one; 0 for none
	group       int32 // the entry's group (rollupBuf.groups)
}

type bucketLink struct {
	bucket, n int64
	next      int32
}

// minuteOf is the Unix minute of Unix microseconds us.
func minuteOf(us int64) int64 { return floorDiv(us, 60_000_000) }

// slotOf is the first minute of Unix minute m's slot.
func slotOf(m int64) int64 { return floorDiv(m, slotMinutes) * slotMinutes }

// bucketOf is d's duration bucket, as duration_bucket gives it.
func bucketOf(d int64) int64 {
	if d < 0 {
		return d
	}
	return runtimegraph.BucketValue(runtimegraph.BucketIndex(d))
}

const cellChunk = 1 << 14

// cellAt is p's minute cell i.
func (p *rollupBuf) cellAt(i int32) *minuteCell {
	return &p.cellChunks[i/cellChunk][i%cellChunk]
}

// cell is en's cell of the slot starting at minute m, added if new. Cells
// go in chunks that are never copied, so a cell costs its 72 bytes once.
// Events mostly come in time order: a slot after the entry's latest cell's
// is new, and only an earlier one is looked for, back along the chain.
func (p *rollupBuf) cell(en *entry, m int64) *minuteCell {
	if en.minutes != 0 {
		c := p.cellAt(en.minutes)
		if c.minute == m {
			return c
		}
		for i := c.prev; c.minute > m && i != 0; i = p.cellAt(i).prev {
			if o := p.cellAt(i); o.minute == m {
				return o
			}
		}
	}
	n := len(p.cellChunks)
	if len(p.cellChunks[n-1]) == cellChunk {
		p.cellChunks = append(p.cellChunks, make([]minuteCell, 0, cellChunk))
		n++
	}
	ch := &p.cellChunks[n-1]
	i := int32((n-1)*cellChunk + len(*ch))
	*ch = append(*ch, minuteCell{minute: m, prev: en.minutes, group: en.group})
	en.minutes = i
	p.cells++
	return &(*ch)[len(*ch)-1]
}

// reply is the index of reply type s in p.replies; hint is where the
// caller found one last, as most entries have one reply type.
func (p *rollupBuf) reply(s string, hint *int32) int32 {
	if p.replies[*hint] == s {
		return *hint
	}
	i, ok := p.replyIdx[s]
	if !ok {
		i = int32(len(p.replies))
		p.replies = append(p.replies, s)
		p.replyIdx[s] = i
	}
	*hint = i
	return i
}

// note adds n events to c, errs of them errors, seen first at first and
// last at last, the greatest reply type p.replies[r]; their buckets are
// added by addBucket.
func (p *rollupBuf) note(c *minuteCell, n, errs, first, last int64, r int32) {
	if c.n == 0 {
		c.first, c.last, c.reply = first, last, r
	} else if r != c.reply && p.replies[r] > p.replies[c.reply] {
		c.reply = r
	}
	c.n += n
	c.errors += errs
	c.first, c.last = min(c.first, first), max(c.last, last)
}

// addBucket counts n events of c in bucket b.
func (p *rollupBuf) addBucket(c *minuteCell, b, n int64) {
	if c.n0 == 0 || c.b0 == b {
		c.b0 = b
		c.n0 += n
		return
	}
	for i := c.more; i != 0; i = p.links[i].next {
		if p.links[i].bucket == b {
			p.links[i].n += n
			return
		}
	}
	p.links = append(p.links, bucketLink{b, n, c.more})
	c.more = int32(len(p.links) - 1)
}

// mergeMinutes adds the minute cells and masks of o, an entry of from, to
// en, an entry of p.
func (p *rollupBuf) mergeMinutes(en, o *entry, from *rollupBuf) {
	en.seen |= o.seen
	en.realPeer |= o.realPeer
	en.realSvc |= o.realSvc
	for i := o.minutes; i != 0; i = from.cellAt(i).prev {
		oc := from.cellAt(i)
		c := p.cell(en, oc.minute)
		p.note(c, oc.n, oc.errors, oc.first, oc.last, p.reply(from.replies[oc.reply], &en.replyHint))
		p.addBucket(c, oc.b0, oc.n0)
		for j := oc.more; j != 0; j = from.links[j].next {
			p.addBucket(c, from.links[j].bucket, from.links[j].n)
		}
	}
}

// copyMinutes writes p's minute cells of the days keep accepts, a row per
// slot. The cells are read in the order they were added, in which a
// slot's are mostly together, rather than by entry.
func copyMinutes(ctx context.Context, conn *pgconn.PgConn, p *rollupBuf, keep func(day int64) bool, gids []int32) error {
	byMinute := map[int64][]minuteRef{}
	var refs []minuteRef
	cur := int64(math.MinInt64)
	for ci, ch := range p.cellChunks {
		for j := range ch {
			c := &ch[j]
			if c.n == 0 || !keep(floorDiv(c.minute, 24*60)) {
				continue // cell 0, or a cell of a dropped entry
			}
			if c.minute != cur {
				byMinute[cur] = refs
				cur = c.minute
				refs = byMinute[cur]
			}
			refs = append(refs, minuteRef{int32(ci*cellChunk + j), gids[c.group]})
		}
	}
	byMinute[cur] = refs
	delete(byMinute, math.MinInt64)
	if len(byMinute) == 0 {
		return nil
	}
	// The rows are tens of megabytes for a day of a large load: they are
	// streamed, each encoded while the server reads the one before.
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf bytes.Buffer
		copyHeader(&buf)
		for m, refs := range byMinute {
			encodeMinute(&buf, p, m, refs)
			if _, err := pw.Write(buf.Bytes()); err != nil {
				return
			}
			buf.Reset()
		}
		u16(&buf, 0xffff)
		_, err := pw.Write(buf.Bytes())
		pw.CloseWithError(err)
	}()
	_, err := conn.CopyFrom(ctx, pr, `COPY rollup_minute_flows (day, minute, cells, times, error_gids, error_counts,
		reply_gids, replies, hist, hist_buckets) FROM STDIN (FORMAT binary)`)
	pr.Close()
	<-done
	return err
}

// minuteRef is a minute cell and its group's id.
type minuteRef struct{ cell, gid int32 }

// encodeMinute writes the rollup_minute_flows row of the cells of the
// slot starting at minute m (see 0010_rollup_minutes.sql for its packing).
func encodeMinute(buf *bytes.Buffer, p *rollupBuf, m int64, refs []minuteRef) {
	start := m * 60_000_000
	u16(buf, 10)
	timestamp(buf, floorDiv(m, 24*60)*86400*1_000_000)
	timestamp(buf, start)
	// count calls emit with n split in parts that fit in 32 bits.
	count := func(n int64, emit func(part int64)) {
		for ; n > math.MaxUint32; n -= math.MaxUint32 {
			emit(math.MaxUint32)
		}
		emit(n)
	}
	var cells, times, hist, buckets []int64
	var errGids, replyGids []int32
	var errs []int64
	var replies []string
	for _, r := range refs {
		c, gid := p.cellAt(r.cell), int64(r.gid)<<32
		t := (c.first-start)<<32 | (c.last - start)
		count(c.n, func(n int64) { cells, times = append(cells, gid|n), append(times, t) })
		if c.errors > 0 {
			errGids, errs = append(errGids, r.gid), append(errs, c.errors)
		}
		if c.reply != 0 {
			replyGids, replies = append(replyGids, r.gid), append(replies, p.replies[c.reply])
		}
		bucket := func(b, n int64) {
			count(n, func(n int64) { hist, buckets = append(hist, gid|n), append(buckets, b) })
		}
		bucket(c.b0, c.n0)
		for j := c.more; j != 0; j = p.links[j].next {
			bucket(p.links[j].bucket, p.links[j].n)
		}
	}
	int4s := func(vs []int32) {
		array(buf, oidInt4, len(vs), func() {
			for _, v := range vs {
				integer(buf, v)
			}
		})
	}
	bigintArray(buf, cells)
	bigintArray(buf, times)
	int4s(errGids)
	bigintArray(buf, errs)
	int4s(replyGids)
	array(buf, oidText, len(replies), func() {
		for _, v := range replies {
			text(buf, v)
		}
	})
	bigintArray(buf, hist)
	bigintArray(buf, buckets)
}
