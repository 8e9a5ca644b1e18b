package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultConnectTimeout bounds connecting when the URL sets no
// connect_timeout (or 0, libpq's "wait for ever"), so an unreachable
// server is reported, not waited on. A connect_timeout the URL or
// PGCONNECT_TIMEOUT sets is used as it is, longer or shorter.
const DefaultConnectTimeout = 5 * time.Second

// Store is an events store in one PostgreSQL database (and schema, per the
// URL's search_path). It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	server string // host:port, for messages; never the password

	mu      sync.Mutex
	parts   map[int64]bool // days (Unix days) whose partition exists
	pending rollupBuf      // rollup of committed batches, not yet flushed
	writer  int32          // this store's number in rollup_writers; 0 until it writes

	// writerMu guards live, the connection that holds the writer's
	// liveness lock (see heal.go).
	writerMu sync.Mutex
	live     *pgx.Conn

	// copyBufs keeps COPY buffers between batches. A batch's buffer is
	// megabytes, and growing a fresh one for every batch spent much of
	// ingest's system time zeroing and faulting in new memory, which is
	// dear on some virtual machines.
	copyBufs chan *bytes.Buffer
}

// copyBufsKept is how many COPY buffers a store keeps: one per batch
// written at once, as ingest --parallel runs them.
const copyBufsKept = 4

func (s *Store) copyBuf() *bytes.Buffer {
	select {
	case b := <-s.copyBufs:
		return b
	default:
		return new(bytes.Buffer)
	}
}

func (s *Store) releaseCopyBuf(b *bytes.Buffer) {
	b.Reset()
	select {
	case s.copyBufs <- b:
	default:
	}
}

// Open connects to the database at url and brings its schema up to date.
// An empty url uses the PG* environment variables, as libpq does. Errors
// name the server (host and port) and never the password.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	cc := cfg.ConnConfig
	server := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
	if strings.HasPrefix(cc.Host, "/") {
		server = fmt.Sprintf("%s (port %d)", cc.Host, cc.Port)
	}
	pw := cc.Password
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: %s", server, redact(err.Error(), pw))
	}
	s := &Store{pool: pool, server: server, parts: map[int64]bool{}, pending: newRollupBuf(),
		copyBufs: make(chan *bytes.Buffer, copyBufsKept)}
	cctx, cancel := context.WithTimeout(ctx, cc.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.Ping(cctx); err != nil {
		pool.Close()
		return nil, s.connErr(err, pw)
	}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// parseConfig reads a database URL (or key=value string) as pgx does, with
// DefaultConnectTimeout where it sets no connect timeout.
func parseConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %s", redact(err.Error(), url))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	// The rollup's days and hours are UTC's, and its SQL bins timestamps
	// from text like '1970-01-01', which a session reads in its TimeZone:
	// whatever the server's or PGTZ's zone, the store's sessions use UTC.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	return cfg, nil
}

// Server is the host and port the store talks to.
func (s *Store) Server() string { return s.server }

// closeFlushTimeout bounds the rollup flush Close does.
const closeFlushTimeout = 30 * time.Second

// Close flushes the pending rollup and releases the store's connections.
// A failed flush loses nothing but speed: the days it would have covered
// are answered from the events. Call Flush before Close to see its error.
func (s *Store) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeFlushTimeout)
	_ = s.Flush(ctx)
	cancel()
	s.releaseWriter()
	s.pool.Close()
}

// connErr makes a connection failure one line naming the server: pgconn's
// own message repeats user and database and nests the dial error, so only
// the innermost reason is kept.
func (s *Store) connErr(err error, pw string) error {
	msg := err.Error()
	var ne *net.OpError
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		msg = pe.Message
	case errors.As(err, &ne):
		msg = ne.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout") {
		msg = "no answer (timeout)"
	}
	return fmt.Errorf("cannot connect to PostgreSQL at %s: %s", s.server, redact(strings.ReplaceAll(msg, "\n", " "), pw))
}

// redact removes a password from a message, in case a driver quotes it.
func redact(msg, pw string) string {
	if pw == "" {
		return msg
	}
	return strings.ReplaceAll(msg, pw, "********")
}

// wrap names the server on a query error.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres at %s: %s: %w", s.server, what, err)
}
