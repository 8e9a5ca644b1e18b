package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the command and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// execute runs the CLI with args and returns its error and stderr.
func execute(ctx context.Context, stderr io.Writer, args ...string) error {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func TestServeInputErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join("..", "..", "serve", "testdata", "events.jsonl")
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"serve", "--events", filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{"serve", "--events", bad}, bad + ":1:"},
		{[]string{"serve", "--events", good, "--listen", "no-port"}, "--listen"},
		{[]string{"serve", "--events", good, "--declared", filepath.Join(dir, "none.json")}, "none.json"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := execute(context.Background(), &stderr, tt.args...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: error %v, want exit %d naming %q", tt.args, err, exitUsage, tt.msg)
		}
	}
}

// TestServeRuns starts the server on a free port, asks it something, and
// stops it as Ctrl-C would: a clean exit.
func TestServeRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- execute(ctx, &stderr, "serve", "--events", filepath.Join("..", "..", "serve", "testdata", "events.jsonl"), "--listen", "127.0.0.1:0")
	}()
	addr := regexp.MustCompile(`on http://(127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v; stderr %s", err, stderr.String())
		default:
		}
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("serve never said where it listens; stderr %s", stderr.String())
	}
	get := func(path, host string) int {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get("/api/trace/trace-a", ""); code != http.StatusOK {
		t.Errorf("GET /api/trace/trace-a: %d", code)
	}
	if code := get("/", ""); code != http.StatusOK {
		t.Errorf("GET /: %d", code)
	}
	// A loopback server answers only to loopback names.
	if code := get("/api/info", "tracegraph.example:80"); code != http.StatusForbidden {
		t.Errorf("GET with a foreign Host: %d, want 403", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
