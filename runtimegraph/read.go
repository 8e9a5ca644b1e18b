package runtimegraph

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tracegraph/tracegraph/telemetry"
)

// FormatJSONL is the built-in format: one telemetry event per line.
const FormatJSONL = "jsonl"

// Importer plugs span formats (OTLP, Zipkin, Jaeger) into ReadFiles. A file's
// format is chosen by its content, never by its name; a gzip-compressed file
// is read through gzip first, whatever its format.
type Importer struct {
	// Detect names the format of a file from its first bytes; "" or
	// FormatJSONL means JSON Lines of telemetry events.
	Detect func(prefix []byte) string
	// Read streams the events of a file in a format Detect named to emit,
	// stopping at emit's first error. Odd records are the importer's to
	// count or skip; an error stops the whole read.
	Read func(ctx context.Context, format string, r io.Reader, name string, emit func(telemetry.Event) error) error
}

// DefaultMaxBad is how many bad lines ReadStats names; the rest are counted.
const DefaultMaxBad = 20

// ReadOptions tune ReadFiles. The zero value reads JSONL with one decoding
// goroutine per CPU.
type ReadOptions struct {
	// Workers is the number of goroutines calling fn; 0 means GOMAXPROCS.
	// With 1, fn sees events in file order.
	Workers int
	// Importer reads formats other than JSONL; nil reads only JSONL.
	Importer *Importer
	// MaxBad bounds ReadStats.Bad (DefaultMaxBad when 0).
	MaxBad int
	// KeepDuplicates passes every copy of an event to fn; without it an
	// event (timestamp and event_id) is passed once (see dedupe.go).
	KeepDuplicates bool
	// SkipLines, when set, is how many leading lines of the JSONL file of
	// index i to pass over without decoding them: the part an earlier load
	// committed (tracegraph ingest). Their records are neither counted nor
	// named.
	SkipLines func(file int) int
	// Rejected, when set, is called with the place of every bad line, from
	// the goroutine that found it. By the time fn sees an event, Rejected
	// has been called for every bad line before it in its file (with one
	// worker, which keeps file order).
	Rejected func(at Pos)
	// skip lists JSONL fields fn never reads, left empty (see graphSkip).
	skip uint32
}

// Pos is where a record was read: its file (an index into the paths) and,
// in a JSONL file, its line. Line is 0 for the events of other formats,
// which come from spans anywhere in their file.
type Pos struct{ File, Line int }

// ReadStats counts what ReadFiles read.
type ReadStats struct {
	Read       int64 // good events passed to fn
	Rejected   int64 // bad lines or records
	Duplicates int64 // events already read, not passed again
	// Bad names the first bad lines, in file and line order.
	Bad []*telemetry.LineError
}

// prefixBytes is how much of a file Detect sees.
const prefixBytes = 4096

// chunkLines is how many events of a span file a worker takes at a time,
// and blockBytes how much of a JSONL file: large enough to make handing
// over cheap, small enough to spread a small file.
const (
	chunkLines = 2048
	blockBytes = 256 << 10
)

// chunk is a block of whole lines of a JSONL file, or events already
// decoded from a span file.
type chunk struct {
	file   int // index into the path list, for ordering bad lines
	name   string
	buf    []byte
	line   int // the number of the line before buf's first
	events []telemetry.Event
	seq    int64 // the chunk's place in the read, from 0
}

// ReadFiles reads events from the files in order and calls fn for each good
// one, from opt.Workers goroutines at once; worker is the caller's index in
// [0, Workers), so fn can keep per-worker state without locks. The event is
// only valid during the call. Bad lines are counted and named, not fatal; an
// unreadable file, an error from fn or a cancelled ctx stops the read.
func ReadFiles(ctx context.Context, paths []string, opt ReadOptions, fn func(worker int, e *telemetry.Event) error) (ReadStats, error) {
	return ReadFilesAt(ctx, paths, opt, func(w int, e *telemetry.Event, _ Pos) error { return fn(w, e) })
}

// ReadFilesAt is ReadFiles, telling fn where each event was read.
func ReadFilesAt(ctx context.Context, paths []string, opt ReadOptions, fn func(worker int, e *telemetry.Event, at Pos) error) (ReadStats, error) {
	at := func(w int, e *telemetry.Event, at Pos, _ eventKey) error { return fn(w, e, at) }
	if opt.KeepDuplicates {
		return readEvents(ctx, paths, opt, false, nil, at)
	}
	sv := newSieve()
	st, err := readEvents(ctx, paths, opt, true, sv, at)
	st.Duplicates = sv.dups.Load()
	return st, err
}

// eventFn is called with each event read, where it was read and, when the
// read was asked for them, its key (see eventKey).
type eventFn func(worker int, e *telemetry.Event, at Pos, k eventKey) error

// readEvents reads as ReadFilesAt does, passing fn every copy of an event
// that sv, when set, keeps, and counting each in ReadStats.Read.
func readEvents(ctx context.Context, paths []string, opt ReadOptions, keys bool, sv *sieve, fn eventFn) (ReadStats, error) {
	workers := cmp.Or(opt.Workers, runtime.GOMAXPROCS(0))
	maxBad := cmp.Or(opt.MaxBad, DefaultMaxBad)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var (
		read, rejected atomic.Int64
		badMu          sync.Mutex
		bad            []badLine
	)
	addBad := func(file int, le *telemetry.LineError) {
		if opt.Rejected != nil {
			opt.Rejected(Pos{file, le.Line})
		}
		rejected.Add(1)
		badMu.Lock()
		bad = append(bad, badLine{file, le})
		// Keep the list short but never lose one of the first maxBad.
		if len(bad) > 4*maxBad {
			sortBad(bad)
			bad = bad[:maxBad]
		}
		badMu.Unlock()
	}

	work := &feed{ch: make(chan *chunk, 2*workers)}
	free := make(chan *chunk, 3*workers)
	if sv != nil {
		// A chunk a worker drops after a cancel never takes its turn.
		defer context.AfterFunc(ctx, sv.stop)()
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			dec := NewDecoder()
			dec.skip = opt.skip
			var e telemetry.Event
			var b batch
			for c := range work.ch {
				if ctx.Err() != nil {
					continue // drain so the producer never blocks
				}
				if err := decodeChunk(c, dec, &e, w, fn, &read, addBad, keys, sv, &b); err != nil {
					cancel(err)
				}
				select {
				case free <- c:
				default:
				}
			}
		})
	}

	var err error
	for i, p := range paths {
		skip := 0
		if opt.SkipLines != nil {
			skip = opt.SkipLines(i)
		}
		if err = readFile(ctx, i, p, skip, opt.Importer, work, free, addBad); err != nil {
			break
		}
	}
	close(work.ch)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx)
	}
	sortBad(bad)
	st := ReadStats{Read: read.Load(), Rejected: rejected.Load()}
	for _, b := range bad[:min(len(bad), maxBad)] {
		st.Bad = append(st.Bad, b.err)
	}
	return st, err
}

type badLine struct {
	file int
	err  *telemetry.LineError
}

func sortBad(b []badLine) {
	slices.SortFunc(b, func(x, y badLine) int {
		return cmp.Or(cmp.Compare(x.file, y.file), cmp.Compare(x.err.Line, y.err.Line))
	})
}

// batch is a worker's decoded events of one chunk, held for a sieve.
type batch struct {
	events  []telemetry.Event
	at      []Pos
	keys    []eventKey
	keep    []bool
	byShard []int32 // the sieve's scratch
}

func decodeChunk(c *chunk, dec *Decoder, e *telemetry.Event, w int, fn eventFn,
	read *atomic.Int64, addBad func(int, *telemetry.LineError), keys bool, sv *sieve, b *batch) error {
	var n int64
	defer func() { read.Add(n) }()
	visit := func(e *telemetry.Event, at Pos, k eventKey) error {
		n++
		return fn(w, e, at, k)
	}
	if sv != nil {
		// The sieve decides on the chunk's events as a whole, in the
		// chunk's turn: they wait in b.
		b.events, b.at, b.keys = b.events[:0], b.at[:0], b.keys[:0]
		visit = func(e *telemetry.Event, at Pos, k eventKey) error {
			b.events, b.at, b.keys = append(b.events, *e), append(b.at, at), append(b.keys, k)
			return nil
		}
	}
	var k eventKey
	for i := range c.events {
		if keys {
			k = keyOf(&c.events[i])
		}
		if err := visit(&c.events[i], Pos{c.file, 0}, k); err != nil {
			return err
		}
	}
	// The worker, not the reader, splits the block: the reader's one
	// goroutine would otherwise be the limit (see readBlocks).
	rest, lineNo := c.buf, c.line
	for len(rest) > 0 {
		seg := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		lineNo++
		if len(seg) > telemetry.DefaultMaxLineBytes && len(bytes.TrimRight(seg, "\r")) > telemetry.DefaultMaxLineBytes {
			addBad(c.file, telemetry.LongLineError(c.name, lineNo, telemetry.DefaultMaxLineBytes))
			continue
		}
		line := bytes.TrimSpace(seg)
		if len(line) == 0 {
			continue
		}
		if err := dec.Decode(line, e); err != nil {
			addBad(c.file, &telemetry.LineError{File: c.name, Line: lineNo, Err: err})
			continue
		}
		if keys {
			k = dec.Key(e)
		}
		if err := visit(e, Pos{c.file, lineNo}, k); err != nil {
			return err
		}
	}
	if sv == nil {
		return nil
	}
	if !sv.sift(c.seq, b) {
		return nil // the read was stopped
	}
	for i := range b.events {
		if b.keep[i] {
			n++
			if err := fn(w, &b.events[i], b.at[i], b.keys[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func readFile(ctx context.Context, idx int, path string, skip int, imp *Importer, work *feed, free chan *chunk,
	addBad func(int, *telemetry.LineError)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("events file: %w", err)
	}
	defer f.Close()
	br, err := uncompressed(bufio.NewReaderSize(f, 1<<20), path)
	if err != nil {
		return err
	}
	if imp != nil && imp.Detect != nil {
		prefix, err := br.Peek(prefixBytes)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%s: %w", path, err)
		}
		if format := imp.Detect(prefix); format != "" && format != FormatJSONL {
			return readStream(ctx, idx, path, format, br, imp, work)
		}
	}
	lr := telemetry.NewLineReader(br, path, telemetry.DefaultMaxLineBytes)
	for lr.Line() < skip {
		_, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if _, ok := errors.AsType[*telemetry.LineError](err); err != nil && !ok {
			return err
		}
	}
	return readBlocks(ctx, idx, path, br, lr.Line(), work, free, addBad)
}

// readBlocks cuts the rest of a JSONL stream, whose first line is number
// line+1, into blocks of whole lines for the workers. It only reads, finds
// the last newline and counts lines; the workers split the lines. A line
// longer than the limit is passed over here once it outgrows it, and
// named as LineReader names it.
func readBlocks(ctx context.Context, idx int, path string, br *bufio.Reader, line int, work *feed, free chan *chunk,
	addBad func(int, *telemetry.LineError)) error {
	const maxLine = telemetry.DefaultMaxLineBytes
	next := func() *chunk {
		select {
		case c := <-free:
			c.buf, c.file, c.name, c.events = c.buf[:0], idx, path, nil
			return c
		default:
			return &chunk{file: idx, name: path}
		}
	}
	var carry []byte // the start of a line the last block cut
	for {
		c := next()
		c.buf = append(c.buf, carry...)
		cut := -1 // where the block's last whole line ends
		var err error
		for cut < 0 && err == nil {
			from := len(c.buf)
			c.buf = slices.Grow(c.buf, blockBytes)
			var k int
			k, err = io.ReadFull(br, c.buf[from:from+blockBytes])
			c.buf = c.buf[:from+k]
			if i := bytes.LastIndexByte(c.buf[from:], '\n'); i >= 0 {
				cut = from + i + 1
			} else if err == nil && len(c.buf) > maxLine+2 { // +2: the limit is on the line, not its "\r\n"
				// No line ends in c.buf: it is all one line, too long.
				if err = skipLine(br); err == nil {
					line++
					addBad(idx, telemetry.LongLineError(path, line, maxLine))
					c.buf = c.buf[:0]
				}
			}
		}
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			// A cut-off file (a truncated gzip): the whole lines read
			// before the cut are events like any others.
			c.buf = c.buf[:max(cut, 0)]
			c.line, line = line, line+bytes.Count(c.buf, []byte{'\n'})
			if len(c.buf) > 0 {
				if serr := send(ctx, work, c); serr != nil {
					return serr
				}
			}
			return fmt.Errorf("%s:%d: %w", path, line+1, err)
		}
		if eof {
			cut = len(c.buf) // the last line needs no newline
		}
		carry = append(carry[:0], c.buf[cut:]...)
		c.buf = c.buf[:cut]
		c.line = line
		line += bytes.Count(c.buf, []byte{'\n'})
		if len(c.buf) > 0 {
			if err := send(ctx, work, c); err != nil {
				return err
			}
		}
		if eof {
			return nil
		}
	}
}

// skipLine reads past the rest of a line, to its newline or the end.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			return nil
		}
		return err
	}
}

// feed carries chunks from the reader to the workers, numbering them in
// the order read.
type feed struct {
	ch  chan *chunk
	seq int64
}

func send(ctx context.Context, work *feed, c *chunk) error {
	c.seq = work.seq
	work.seq++
	select {
	case work.ch <- c:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func readStream(ctx context.Context, idx int, path, format string, r io.Reader, imp *Importer, work *feed) error {
	c := &chunk{file: idx, name: path}
	err := imp.Read(ctx, format, r, path, func(e telemetry.Event) error {
		c.events = append(c.events, e)
		if len(c.events) < chunkLines {
			return nil
		}
		full := c
		c = &chunk{file: idx, name: path}
		return send(ctx, work, full)
	})
	if err != nil {
		if len(c.events) > 0 {
			if serr := send(ctx, work, c); serr != nil {
				return serr
			}
		}
		// The importer's errors name the file and place already.
		return fmt.Errorf("%w (read as %s)", err, format)
	}
	if len(c.events) > 0 {
		return send(ctx, work, c)
	}
	return nil
}
