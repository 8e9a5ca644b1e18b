package staticgraph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestComposeHosts(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("deploy/docker-compose.yml", `services:
  auth-svc:
    build:
      context: ../auth
      dockerfile: ../auth/auth.dockerfile
    hostname: auth.internal
    container_name: auth-1
  web:
    build: {context: .., dockerfile: web/Dockerfile}
  orders-a:
    build: ../orders
  orders-b:
    build: ../orders
  db:
    image: postgres:16
`)
	write("broken/compose.yaml", "services: [\n")
	write("node_modules/x/docker-compose.yml", "services: {x: {build: .}}\n")
	cs, notes := composeServices(root)
	if len(notes) != 1 || !strings.Contains(notes[0], "broken/compose.yaml: not read as a Compose file") {
		t.Errorf("notes %q, want one naming broken/compose.yaml", notes)
	}
	mains := map[string]string{
		filepath.Join(root, "auth", "cmd", "api"): "authentication",
		filepath.Join(root, "orders"):             "orders",
		filepath.Join(root, "billing"):            "billing",
	}
	got := hostNames(cs, mains)
	want := map[string]string{
		// A context holding one service's main; its hostname and
		// container name are hosts too.
		"auth-svc": "authentication", "auth.internal": "authentication", "auth-1": "authentication",
	}
	// web is built from web/ (its Dockerfile's directory), where no Go
	// main is, though its context holds every service; orders-a and
	// orders-b are two services built from one directory.
	if len(got) != len(want) {
		t.Errorf("hosts %v, want %v", got, want)
	}
	for h, s := range want {
		if got[h] != s {
			t.Errorf("host %s names %q, want %q", h, got[h], s)
		}
	}
}
