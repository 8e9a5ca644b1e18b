package main

import (
	"context"
	"sync"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
)

// batch is one transaction of ingest: its events and the lines of the
// files they came from.
type batch struct {
	events   []telemetry.Event
	progress []pgstore.Progress
	files    []int // the file index of each range of progress
}

// ingestProgress follows which lines of each file the batches hold, so
// that each batch records them (pgstore.Progress) and a rerun passes over
// what was committed. Only JSONL files have lines; events of other formats
// are stored without a record, and a rerun reads those files again.
type ingestProgress struct {
	ids     []string           // each file's identity; "" when it has none
	skipped []pgstore.Progress // what earlier loads committed of each file
	cut     []int64            // each file's last line given to a sealed batch

	mu  sync.Mutex
	bad [][]int // each file's bad lines not yet counted in a batch
}

func newProgress(ctx context.Context, st *pgstore.Store, files []string) (*ingestProgress, error) {
	p := &ingestProgress{ids: make([]string, len(files)), skipped: make([]pgstore.Progress, len(files)),
		cut: make([]int64, len(files)), bad: make([][]int, len(files))}
	for i, f := range files {
		id, err := pgstore.FileIdentity(f)
		if err != nil {
			continue // read as it comes, without a record
		}
		done, err := st.Committed(ctx, id)
		if err != nil {
			return nil, err
		}
		p.ids[i], p.skipped[i], p.cut[i] = id, done, done.To
	}
	return p, nil
}

func (p *ingestProgress) skipLines(file int) int { return int(p.skipped[file].To) }

// rejected notes a bad line; by the time an event after it in its file
// reaches add, it has been noted (runtimegraph.ReadOptions.Rejected).
func (p *ingestProgress) rejected(at runtimegraph.Pos) {
	p.mu.Lock()
	p.bad[at.File] = append(p.bad[at.File], at.Line)
	p.mu.Unlock()
}

// add counts the record at line at into b: an event it holds (stored) or
// one the store cannot hold.
func (p *ingestProgress) add(b *batch, at runtimegraph.Pos, stored bool) {
	if at.Line == 0 || p.ids[at.File] == "" {
		return
	}
	id := p.ids[at.File]
	if n := len(b.files); n == 0 || b.files[n-1] != at.File {
		b.progress = append(b.progress, pgstore.Progress{File: id, From: p.cut[at.File], To: p.cut[at.File]})
		b.files = append(b.files, at.File)
	}
	r := &b.progress[len(b.progress)-1]
	r.To = int64(at.Line)
	if stored {
		r.Events++
	} else {
		r.Rejected++
	}
}

// seal ends b: each range counts the bad lines within it, and the file's
// next batch starts where it ends.
func (p *ingestProgress) seal(b *batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, f := range b.files {
		r := &b.progress[i]
		kept := p.bad[f][:0]
		for _, l := range p.bad[f] {
			if int64(l) <= r.To {
				if int64(l) > r.From {
					r.Rejected++
				}
			} else {
				kept = append(kept, l)
			}
		}
		p.bad[f] = kept
		p.cut[f] = r.To
	}
}
