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
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/internal/syncbuf"
)

// execute runs the CLI with args and returns its error and stderr.
func executeCLI(ctx context.Context, stderr io.Writer, args ...string) error {
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
	badSince := filepath.Join(dir, "since.yaml")
	if err := os.WriteFile(badSince, []byte("presets:\n  - label: Yesterday's failures\n    events: {status: error, since: yesterday}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badKey := filepath.Join(dir, "key.yaml")
	if err := os.WriteFile(badKey, []byte("presets:\n  - label: x\n    events: {servce: inventory}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"serve", "--events", filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{"serve", "--events", good, "--db", "postgres://x"}, "name two sources"},
		{[]string{"serve", "--events", bad}, bad + ":1:"},
		{[]string{"serve", "--events", good, "--listen", "no-port"}, "--listen"},
		{[]string{"serve", "--events", good, "--declared", filepath.Join(dir, "none.json")}, "none.json"},
		{[]string{"serve", "--events", good, "--config", badSince, "--listen", "127.0.0.1:0"}, `bad preset "Yesterday's failures": bad since "yesterday"`},
		{[]string{"serve", "--events", good, "--config", badKey}, `unknown field "servce"`},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := executeCLI(context.Background(), &stderr, tt.args...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: error %v, want exit %d naming %q", tt.args, err, exitUsage, tt.msg)
		}
	}
}

// startServe runs serve with args on a free port and returns its address
// and a func that stops it as Ctrl-C would and returns its error.
func startServe(t *testing.T, args ...string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var stderr syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- executeCLI(ctx, &stderr, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	}()
	addr := regexp.MustCompile(`on http://(127\.0\.0\.1:\d+)/`)
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
	return base, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("serve did not stop")
		}
	}
}

func serveGet(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
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
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

var serveFixture = filepath.Join("..", "..", "serve", "testdata", "events.jsonl")

// TestServePresets: the config's presets are the events page's questions.
func TestServePresets(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "tracegraph.yaml")
	if err := os.WriteFile(cfg, []byte("presets:\n  - label: Failed inventory updates for merchant 4c5d6e7\n    events:\n      service: inventory\n      status: error\n      where: [merchant_id=4c5d6e7]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, "--events", serveFixture, "--config", cfg)
	code, body := serveGet(t, base+"/api/info", "")
	want := `"presets":[{"label":"Failed inventory updates for merchant 4c5d6e7","page":"events","query":"service=inventory\u0026status=error\u0026where=merchant_id%3D4c5d6e7"}]`
	if code != http.StatusOK || !strings.Contains(body, want) {
		t.Errorf("GET /api/info: %d %s, want %s", code, body, want)
	}
	if err := stop(); err != nil {
		t.Errorf("serve after Ctrl-C: %v", err)
	}
}

// TestServeRuns starts the server, asks it something, and stops it as
// Ctrl-C would: a clean exit.
func TestServeRuns(t *testing.T) {
	base, stop := startServe(t, "--events", serveFixture)
	if code, body := serveGet(t, base+"/api/trace/trace-a", ""); code != http.StatusOK {
		t.Errorf("GET /api/trace/trace-a: %d %s", code, body)
	}
	if code, _ := serveGet(t, base+"/", ""); code != http.StatusOK {
		t.Errorf("GET /: %d", code)
	}
	if code, body := serveGet(t, base+"/api/diff", ""); code != http.StatusNotFound || !strings.Contains(body, "no declared graph") {
		t.Errorf("GET /api/diff without packages: %d %s", code, body)
	}
	// A loopback server answers only to loopback names.
	if code, _ := serveGet(t, base+"/api/info", "tracegraph.example:80"); code != http.StatusForbidden {
		t.Errorf("GET with a foreign Host: %d, want 403", code)
	}
	if err := stop(); err != nil {
		t.Errorf("serve after Ctrl-C: %v", err)
	}
}

// TestServeDiff serves the diff of a saved declared graph against the
// serveFixture's events.
func TestServeDiff(t *testing.T) {
	declared := filepath.Join(t.TempDir(), "declared.json")
	const graph = `{"schema":"tracegraph/v1","source":"static","services":[],"endpoints":[],"unresolved":[],"diagnostics":[],
"flows":[{"kind":"pubsub","from":"catalog","to":"inventory","channel":"sku.updated",
 "message_type":"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg.SkuUpdated","status":""},
{"kind":"pubsub","from":"catalog","to":"search-indexer","channel":"sku.updated",
 "message_type":"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg.SkuUpdated","status":""}]}`
	if err := os.WriteFile(declared, []byte(graph), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, "--events", serveFixture, "--declared", declared)
	code, body := serveGet(t, base+"/api/diff", "")
	for _, want := range []string{`"status":"converged"`, `"status":"undeclared"`, `"status":"unobserved"`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET /api/diff: %d, no %s in %.300s", code, want, body)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve after Ctrl-C: %v", err)
	}
}
