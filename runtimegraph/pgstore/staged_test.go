package pgstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// Staged rows survive until released by number, per instance.
func TestStagedSpans(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, freshSchema(t))
	rows := []StagedSpans{{1, "t1", []byte("a")}, {2, "t2", []byte("b")}, {3, "t1", []byte("c")}}
	if err := s.Stage(ctx, "i1", rows); err != nil {
		t.Fatal(err)
	}
	if err := s.Stage(ctx, "i2", []StagedSpans{{1, "t1", []byte("other")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Stage(ctx, "i1", rows[:1]); err == nil {
		t.Error("staging a number twice did not fail")
	}
	list := func(instance string) ([]string, int64) {
		var got []string
		last, err := s.Staged(ctx, instance, func(r StagedSpans) error {
			got = append(got, fmt.Sprintf("%d %s %s", r.Seq, r.TraceID, r.Body))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, last
	}
	if got, last := list("i1"); !slices.Equal(got, []string{"1 t1 a", "2 t2 b", "3 t1 c"}) || last != 3 {
		t.Fatalf("i1 staged %q (last %d)", got, last)
	}
	if err := s.Release(ctx, "i1", []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if got, last := list("i1"); !slices.Equal(got, []string{"3 t1 c"}) || last != 3 {
		t.Errorf("after releasing 1 and 2: %q (last %d), want only the later row of t1", got, last)
	}
	if got, _ := list("i2"); !slices.Equal(got, []string{"1 t1 other"}) {
		t.Errorf("another instance's rows: %q", got)
	}
}
