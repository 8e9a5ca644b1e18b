package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
)

// Staged exports and done records survive until released by number, per
// instance, and one Release is all or nothing.
func TestStagedSpans(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, freshSchema(t))
	for seq, body := range map[int64]string{1: "a", 2: "b", 4: "c"} {
		if err := s.Stage(ctx, "i1", seq, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Stage(ctx, "i2", 1, []byte("other")); err != nil {
		t.Fatal(err)
	}
	if err := s.Stage(ctx, "i1", 1, []byte("again")); err == nil {
		t.Error("staging a number twice did not fail")
	}
	// A row as earlier versions staged it, one trace of an export.
	if _, err := s.pool.Exec(ctx, `INSERT INTO staged_spans VALUES ('i1', 5, 't9', 'old')`); err != nil {
		t.Fatal(err)
	}
	list := func(instance string) ([]string, int64) {
		var got []string
		last, err := s.Staged(ctx, instance, func(d StagedDone) error {
			got = append(got, fmt.Sprintf("done %d %v %v", d.Seq, d.Exports, d.TraceIDs))
			return nil
		}, func(r StagedSpans) error {
			got = append(got, fmt.Sprintf("%d %q %s", r.Seq, r.TraceID, r.Body))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, last
	}
	if got, last := list("i1"); !slices.Equal(got, []string{`1 "" a`, `2 "" b`, `4 "" c`, `5 "t9" old`}) || last != 5 {
		t.Fatalf("i1 staged %q (last %d)", got, last)
	}
	done := &StagedDone{Seq: 6, Exports: []int64{2, 4}, TraceIDs: []string{"t1", "t2"}}
	if err := s.Release(ctx, "i1", Release{Done: done, Exports: []int64{1, 5}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"done 6 [2 4] [t1 t2]", `2 "" b`, `4 "" c`}
	if got, last := list("i1"); !slices.Equal(got, want) || last != 6 {
		t.Errorf("after releasing 1 and 5: %q (last %d), want %q", got, last, want)
	}
	// A done record numbered twice fails the whole release: the exports it
	// would have deleted stay.
	if err := s.Release(ctx, "i1", Release{Done: done, Exports: []int64{2}}); err == nil {
		t.Error("a done record numbered twice did not fail")
	}
	if got, _ := list("i1"); !slices.Equal(got, want) {
		t.Errorf("after a failed release: %q, want %q", got, want)
	}
	if err := s.Release(ctx, "i1", Release{Exports: []int64{2, 4}, Dones: []int64{6}}); err != nil {
		t.Fatal(err)
	}
	if got, last := list("i1"); len(got) != 0 || last != 0 {
		t.Errorf("after releasing everything: %q (last %d)", got, last)
	}
	if got, _ := list("i2"); !slices.Equal(got, []string{`1 "" other`}) {
		t.Errorf("another instance's rows: %q", got)
	}
}

// A body over COPY's chunk of data (64 KB), of any bytes, and an empty one
// come back as they were staged.
func TestStageLargeBody(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, freshSchema(t))
	big := make([]byte, 300_000)
	for i := range big {
		big[i] = byte(i * 7 % 251)
	}
	bodies := map[int64][]byte{1: big, 2: {}, 3: {0, 0xff, 0xff}}
	for seq, b := range bodies {
		if err := s.Stage(ctx, "i", seq, b); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	if _, err := s.Staged(ctx, "i", func(StagedDone) error { return nil }, func(r StagedSpans) error {
		n++
		if !bytes.Equal(r.Body, bodies[r.Seq]) {
			t.Errorf("staged %d: %d bytes back, %d staged", r.Seq, len(r.Body), len(bodies[r.Seq]))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(bodies) {
		t.Errorf("%d rows back, %d staged", n, len(bodies))
	}
}
