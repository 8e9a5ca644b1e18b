package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5"
)

// identitySample is how much of a file's head and of its tail FileIdentity
// hashes.
const identitySample = 64 << 10

// FileIdentity names a file's content for ingest_progress without reading
// all of it: its size, modification time and a hash of its first and last
// 64 KiB. A file changed in any of those is another file, read from its
// start again (and stored idempotently); one appended to is too.
func FileIdentity(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "tracegraph file\x00%d\x00%d\x00", fi.Size(), fi.ModTime().UnixNano())
	if _, err := io.CopyN(h, f, identitySample); err != nil && err != io.EOF {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if fi.Size() > identitySample {
		if _, err := f.Seek(max(identitySample, fi.Size()-identitySample), io.SeekStart); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func recordProgress(ctx context.Context, tx pgx.Tx, prog []Progress) error {
	if len(prog) == 0 {
		return nil
	}
	files := make([]string, len(prog))
	from, to, events, rejected := make([]int64, len(prog)), make([]int64, len(prog)), make([]int64, len(prog)), make([]int64, len(prog))
	for i, p := range prog {
		files[i], from[i], to[i], events[i], rejected[i] = p.File, p.From, p.To, p.Events, p.Rejected
	}
	_, err := tx.Exec(ctx, `INSERT INTO ingest_progress (file, from_line, to_line, events, rejected)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])`, files, from, to, events, rejected)
	return err
}

// Committed is what earlier loads committed of the file whose identity is
// file: its first Lines lines, holding Events events (all stored) and
// Rejected lines that were not. It is the longest chain of recorded
// ranges from line 0, each starting where the one before ended: loads
// that ran at once, or a load resumed after another, record ranges that
// overlap, and a chain counts each line once.
func (s *Store) Committed(ctx context.Context, file string) (Progress, error) {
	rows, err := s.pool.Query(ctx, `SELECT from_line, to_line, events, rejected FROM ingest_progress
		WHERE file = $1 ORDER BY from_line, to_line`, file)
	if err != nil {
		return Progress{}, s.wrap("ingest progress", err)
	}
	ranges, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Progress, error) {
		var p Progress
		err := r.Scan(&p.From, &p.To, &p.Events, &p.Rejected)
		return p, err
	})
	if err != nil {
		return Progress{}, s.wrap("ingest progress", err)
	}
	// reach holds, for each line a chain from 0 ends at, what it covers.
	reach := map[int64]Progress{0: {File: file}}
	best := reach[0]
	for _, r := range ranges {
		at, ok := reach[r.From]
		if !ok || r.To <= r.From {
			continue
		}
		next := Progress{File: file, To: r.To, Events: at.Events + r.Events, Rejected: at.Rejected + r.Rejected}
		if _, seen := reach[r.To]; !seen {
			reach[r.To] = next
		}
		if next.To > best.To {
			best = next
		}
	}
	return best, nil
}
