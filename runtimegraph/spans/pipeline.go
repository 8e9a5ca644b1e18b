package spans

import (
	"errors"
	"runtime"
	"sync"
)

// elem is one framed value: a span, a trace, a ResourceSpans or a protobuf
// message, by format.
type elem struct {
	at   position
	data []byte
}

// job is a run of elems one worker decodes, in stream order.
type job struct {
	elems []elem
	buf   []byte // backing store of the elems' data
	spans []*span
	ats   []position // where each span's elem starts
	err   error
	done  chan struct{}
}

// Job sizes: large enough that channel hand-offs cost nothing next to
// decoding, small enough that the jobs in flight stay a few MiB.
const (
	jobBytes = 256 << 10
	jobElems = 512
)

// decodeFunc turns one elem into spans. It runs on a worker: it must not
// touch the window. The spans may be in w's scratch, valid until the next
// call.
type decodeFunc func(e elem, w *worker) ([]*span, error)

// worker is what one decoding worker keeps from one elem to the next.
type worker struct {
	names strCache
	spans []*span // scratch for the decoders' results
}

// scratch is the worker's span slice, emptied, for a decoder to append to.
func (w *worker) scratch() []*span {
	clear(w.spans[:cap(w.spans)]) // a declined decode may have left spans past len
	return w.spans[:0]
}

// pipeline frames on one goroutine, decodes on GOMAXPROCS workers and adds
// the spans to the window on the caller's goroutine in stream order, so the
// result is the same as decoding in sequence. Memory is bounded by the jobs
// in flight.
func (in *input) pipeline(frame func(emit func(at position, data []byte) error) error, decode decodeFunc) error {
	if in.w.opts.small {
		return in.inline(frame, decode)
	}
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *job, workers)
	order := make(chan *job, 2*workers)
	quit := make(chan struct{})
	// free hands drained jobs back to the framer, whose buffers and slices
	// it fills again (job.reset).
	free := make(chan *job, 3*workers+1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := new(worker)
			for j := range work {
				runJob(j, decode, w, in.prepare)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(work)
		newJob := func() *job {
			select {
			case j := <-free:
				j.done = make(chan struct{})
				return j
			default:
				return &job{done: make(chan struct{})}
			}
		}
		cur := newJob()
		send := func() bool {
			select {
			case order <- cur:
			case <-quit:
				return false
			}
			select {
			case work <- cur:
			case <-quit:
				return false
			}
			cur = newJob()
			return true
		}
		err := frame(func(at position, data []byte) error {
			start := len(cur.buf)
			cur.buf = append(cur.buf, data...)
			cur.elems = append(cur.elems, elem{at: at, data: cur.buf[start:len(cur.buf):len(cur.buf)]})
			if len(cur.buf) >= jobBytes || len(cur.elems) >= jobElems {
				if !send() {
					return errStopped
				}
			}
			return nil
		})
		if err == errStopped {
			return
		}
		if len(cur.elems) > 0 && !send() {
			return
		}
		if err != nil {
			failed := &job{err: err, done: make(chan struct{})}
			close(failed.done)
			select {
			case order <- failed:
			case <-quit:
			}
		}
	}()

	err := in.drain(order, free)
	close(quit)
	for range order { // let the framer finish its last send
	}
	wg.Wait()
	return err
}

// inline is pipeline on one goroutine: each value is decoded and its
// spans added as it is framed.
func (in *input) inline(frame func(emit func(at position, data []byte) error) error, decode decodeFunc) error {
	w := &worker{names: strCache{slots: make([]string, 64), fixed: true}}
	return frame(func(at position, data []byte) error {
		spans, err := decode(elem{at: at, data: data}, w)
		for _, s := range spans {
			in.prepare(s)
			if aerr := in.add(s, func() string { return in.name + ":" + at.String() }); aerr != nil {
				return aerr
			}
		}
		return err
	})
}

// drain adds the spans of each job, in order, as it completes, and hands
// the job back to the framer for reuse.
func (in *input) drain(order <-chan *job, free chan<- *job) error {
	for j := range order {
		<-j.done
		for i, s := range j.spans {
			at := j.ats[i]
			if err := in.add(s, func() string { return in.name + ":" + at.String() }); err != nil {
				return err
			}
		}
		if j.err != nil {
			return j.err
		}
		j.reset()
		select {
		case free <- j:
		default:
		}
	}
	return nil
}

// reset empties a decoded job for reuse, keeping its slices' storage:
// decoders copy what they keep, so its buffer is free once it is decoded.
func (j *job) reset() {
	clear(j.elems)
	clear(j.spans)
	*j = job{elems: j.elems[:0], buf: j.buf[:0], spans: j.spans[:0], ats: j.ats[:0]}
}

func runJob(j *job, decode decodeFunc, w *worker, prepare func(*span)) {
	defer close(j.done)
	for _, e := range j.elems {
		spans, err := decode(e, w)
		for _, s := range spans {
			prepare(s)
			j.spans = append(j.spans, s)
			j.ats = append(j.ats, e.at)
		}
		if err != nil {
			j.err = err
			return
		}
	}
}

// errStopped ends framing when the reader has stopped.
var errStopped = errors.New("stopped")
