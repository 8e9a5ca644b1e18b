package shopcmd_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"--bus", "memory", "--events", filepath.Join(dir, "events.jsonl")}, ""},
		{[]string{"--bus", "kafka"}, `--bus "kafka": want memory or nats`},
		{[]string{"--bus", "nats", "--nats-url", "nats://127.0.0.1:1"}, "connect to NATS at nats://127.0.0.1:1"},
		{[]string{"--events", filepath.Join(dir, "missing", "events.jsonl")}, "open events file"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var f shopcmd.Flags
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			f.Register(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			env, err := f.Open("test")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			svc := channel.NewService("test", env.Bus, env.Options...)
			if err := channel.NewPubClient[string](svc, "nowhere").Publish(t.Context(), "x"); err != nil {
				t.Fatal(err)
			}
			if err := env.Close(); err != nil {
				t.Fatal(err)
			}
			if f.Events != "" {
				data, err := os.ReadFile(f.Events)
				if err != nil || !strings.Contains(string(data), `"event_type":"publish"`) {
					t.Errorf("events file: %q, %v; want the publish event", data, err)
				}
			}
		})
	}
}
