package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key that serializes migrations:
// two processes starting at once apply each migration once.
const migrationLock = 0x7472_6163_6567_7231 // "tracegr1"

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version number", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, base, string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction, holding an advisory lock so concurrent starts wait their turn.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	// A schema that is current needs no write at all: read commands then
	// work for a role that may only SELECT.
	cur, readErr := version(ctx, s.pool)
	if readErr == nil && cur >= latest {
		return nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.wrap("migrate", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return s.wrap("migrate: lock", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		if isInsufficientPrivilege(err) {
			return s.wrap("migrate", fmt.Errorf("the schema is at version %d and this build needs %d, but this role may not create tables: run tracegraph ingest once with a role that may (%w)", cur, latest, err))
		}
		return s.wrap("migrate", err)
	}
	cur, err = version(ctx, conn)
	if err != nil {
		return s.wrap("migrate", err)
	}
	for _, m := range ms {
		if m.version <= cur {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			if isInsufficientPrivilege(err) {
				return s.wrap("migration "+m.name, fmt.Errorf("the schema is at version %d and this build needs %d, but this role may not change it: run tracegraph ingest once with a role that may (%w)", cur, latest, err))
			}
			return s.wrap("migration "+m.name, err)
		}
	}
	return nil
}

// Version is the schema version the database is at (0 before any).
func (s *Store) Version(ctx context.Context) (int, error) {
	v, err := version(ctx, s.pool)
	return v, s.wrap("schema version", err)
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func version(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// isInsufficientPrivilege reports PostgreSQL's permission error (42501).
func isInsufficientPrivilege(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}
