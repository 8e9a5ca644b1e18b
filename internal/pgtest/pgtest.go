// Package pgtest gives tests a real PostgreSQL database, each test on a
// schema of its own so that tests and concurrent runs never see each other's
// rows.
//
// The server is, in order: the one TRACEGRAPH_TEST_DATABASE_URL names; else
// a throwaway cluster started from the machine's initdb and pg_ctl, when they
// are installed; else none, and the test is skipped with a message saying
// how to run it. With TRACEGRAPH_REQUIRE_PG=1 (CI) a skip is a failure.
//
// A package whose tests use URL stops a throwaway cluster by calling Main
// from its TestMain.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	EnvURL     = "TRACEGRAPH_TEST_DATABASE_URL"
	EnvRequire = "TRACEGRAPH_REQUIRE_PG"
)

var (
	once     sync.Once
	baseURL  string
	whyNot   string
	stopFunc func()
	seq      atomic.Int64
)

// Main runs the tests and then stops a throwaway cluster if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	if stopFunc != nil {
		stopFunc()
	}
	return code
}

// Base returns the server's URL (no schema of its own), or skips.
func Base(t testing.TB) string {
	t.Helper()
	once.Do(func() { baseURL, whyNot = findServer() })
	if baseURL == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s=1 but no PostgreSQL: %s", EnvRequire, whyNot)
		}
		t.Skipf("PostgreSQL tests skipped: %s; set %s to run them", whyNot, EnvURL)
	}
	return baseURL
}

// URL returns a URL whose search_path is a new schema, dropped when the test
// ends. Its application_name is the schema's name too, so that a test can
// find its own sessions in pg_stat_activity.
func URL(t testing.TB) string {
	t.Helper()
	base := Base(t)
	schema := fmt.Sprintf("tgtest_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			_ = c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func findServer() (string, string) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, ""
	}
	u, stop, err := startCluster()
	if err != nil {
		return "", err.Error()
	}
	stopFunc = stop
	return u, ""
}

// startCluster starts a throwaway cluster listening only on a Unix socket in
// a temporary directory. initdb refuses to run as root, so as root the
// cluster belongs to the postgres user.
func startCluster() (string, func(), error) {
	initdb, pgctl := findTool("initdb"), findTool("pg_ctl")
	if initdb == "" || pgctl == "" {
		return "", nil, fmt.Errorf("%s is not set and no initdb/pg_ctl was found", EnvURL)
	}
	dir, err := os.MkdirTemp("", "tracegraph-pg-")
	if err != nil {
		return "", nil, err
	}
	var asUser []string
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Errorf("running as root and there is no postgres user for initdb")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", nil, err
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		args = append(asUser, args...)
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", filepath.Base(args[len(asUser)]), err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	port := freePort()
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses='' -c fsync=off", dir, port)
	if err := run(pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() {
		_ = run(pgctl, "-D", data, "-m", "immediate", "stop")
		os.RemoveAll(dir)
	}
	return fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=%d&sslmode=disable", url.QueryEscape(dir), port), stop, nil
}

func findTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

// freePort picks a port number for the socket's name; the cluster listens on
// no TCP port, so a clash with a server on the network is impossible.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 55432
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
