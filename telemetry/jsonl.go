package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// DefaultMaxLineBytes bounds one JSON line. An event is a few hundred bytes;
// a line of a megabyte is a corrupt or hostile file, not an event.
const DefaultMaxLineBytes = 1 << 20

// Writer writes events as JSON Lines. It is a Recorder, safe for concurrent
// use; output is buffered and flushed by Flush and Close.
type Writer struct {
	mu  sync.Mutex
	bw  *bufio.Writer
	c   io.Closer
	err error
	buf bytes.Buffer
	enc *json.Encoder
}

// NewWriter returns a Writer on w. If w is an io.Closer, Close closes it.
func NewWriter(w io.Writer) *Writer {
	jw := &Writer{bw: bufio.NewWriterSize(w, 64<<10)}
	if c, ok := w.(io.Closer); ok {
		jw.c = c
	}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(false)
	return jw
}

// Record writes one event. The first write error is kept and returned by
// Write, Flush and Close; later events are dropped.
func (w *Writer) Record(_ context.Context, e Event) {
	_ = w.Write(e)
}

// Write writes one event in canonical form.
func (w *Writer) Write(e Event) error {
	e.Normalize()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if err := w.enc.Encode(&e); err != nil {
		w.err = fmt.Errorf("encode event %s: %w", e.EventID, err)
		return w.err
	}
	// Whole lines only reach the file: a reader of a file still being
	// written (serve --events reloads it as it grows) then never finds it
	// ending inside a line that is only half there.
	if w.buf.Len() > w.bw.Available() && w.bw.Buffered() > 0 {
		if err := w.bw.Flush(); err != nil {
			w.err = err
			return err
		}
	}
	if _, err := w.bw.Write(w.buf.Bytes()); err != nil {
		w.err = err
	}
	return w.err
}

// Flush writes buffered events to the underlying writer.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	return w.err
}

// Close flushes and, if the underlying writer is a Closer, closes it.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.c != nil {
		if cerr := w.c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// LineError is a bad line in an events file. Reading can go on after it.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrLineTooLong is wrapped by the LineError of a line over the reader's limit.
var ErrLineTooLong = errors.New("line too long")

// Reader streams events from JSON Lines. Blank lines are skipped. A bad line
// yields a *LineError naming the file and line; the next call goes on with the
// following line, so a caller decides whether one bad line is fatal.
type Reader struct {
	lines LineReader
}

// NewReader reads events from r; name is used in errors (usually the path).
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{lines: LineReader{br: bufio.NewReaderSize(r, 256<<10), name: name, max: DefaultMaxLineBytes}}
}

// SetMaxLineBytes changes the line length limit.
func (r *Reader) SetMaxLineBytes(n int) { r.lines.max = n }

// Line is the number of the line last read.
func (r *Reader) Line() int { return r.lines.line }

// Next returns the next event, io.EOF at the end, or a *LineError.
func (r *Reader) Next() (Event, error) {
	for {
		line, err := r.lines.Next()
		if err != nil {
			return Event{}, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var e Event
		if err := DecodeEvent(line, &e); err != nil {
			return Event{}, &LineError{File: r.lines.name, Line: r.lines.line, Err: err}
		}
		return e, nil
	}
}

// LineReader splits a stream into lines, the newline dropped. A line over
// the limit is consumed whole and reported as a *LineError, so that line
// numbers stay in step with the file. Readers of events files that decode
// lines their own way use it to report the same lines the same way.
type LineReader struct {
	br      *bufio.Reader
	name    string
	line    int
	max     int
	scratch []byte
}

// NewLineReader reads lines of at most max bytes from br; name is used in
// errors.
func NewLineReader(br *bufio.Reader, name string, max int) *LineReader {
	return &LineReader{br: br, name: name, max: max}
}

// Line is the number of the line last read.
func (r *LineReader) Line() int { return r.line }

// Next returns the next line, valid until the following call, or io.EOF.
func (r *LineReader) Next() ([]byte, error) {
	r.scratch = r.scratch[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 && !tooLong {
			r.scratch = append(r.scratch, chunk...)
			// +2: the limit is on the line, not its "\r\n".
			if len(r.scratch) > r.max+2 {
				tooLong = true
				r.scratch = r.scratch[:0]
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(r.scratch) == 0 && !tooLong {
				return nil, io.EOF
			}
		case err != nil:
			return nil, fmt.Errorf("%s:%d: %w", r.name, r.line+1, err)
		}
		r.line++
		if tooLong || len(bytes.TrimRight(r.scratch, "\r\n")) > r.max {
			return nil, LongLineError(r.name, r.line, r.max)
		}
		return r.scratch, nil
	}
}

// LongLineError is the error of line number line of file name, which is
// longer than max bytes.
func LongLineError(name string, line, max int) *LineError {
	return &LineError{File: name, Line: line, Err: fmt.Errorf("%w (over %d bytes)", ErrLineTooLong, max)}
}

// DecodeEvent parses one JSON event and checks the fields every event must
// have, so that a bad record is caught where it enters.
func DecodeEvent(data []byte, e *Event) error {
	if err := json.Unmarshal(data, e); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
		}
		return fmt.Errorf("invalid event: %v", err)
	}
	switch {
	case e.EventID == "":
		return errors.New("invalid event: missing event_id")
	case e.EventType == "":
		return errors.New("invalid event: missing event_type")
	case e.Service == "":
		return errors.New("invalid event: missing service")
	case e.Timestamp.IsZero():
		return errors.New("invalid event: missing timestamp")
	}
	e.Normalize()
	return nil
}
