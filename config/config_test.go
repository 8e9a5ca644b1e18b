package config

import (
	"cmp"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const full = `services:
  - package: github.com/acme/shop/cmd/catalog
    name: catalog
    aliases: [catalog-svc, catalog-v2]
    team: catalog
  - package: github.com/acme/shop/inventory/...
    name: inventory
    team: stock
baseline: tracegraph.baseline.json
rules:
  forbidden:
    - id: no-direct-db
      from: "web-*"
      to: billing
      reason: billing is reached through the API
  required:
    - from: catalog
      to: inventory
      channel: sku.updated
spans:
  message_type_attribute: messaging.message.type
recognizers:
  - package: example.com/bus
    functions:
      - func: Send
        role: publish
        channel: {arg: 0}
presets:
  - label: Failed inventory updates for merchant 4c5d6e7
    events:
      service: inventory
      status: error
      where: [merchant_id=4c5d6e7]
  - label: The catalog's last hour
    events: {service: catalog, since: 1h, limit: 50}
`

func TestParseFull(t *testing.T) {
	c, err := Parse("dir/tracegraph.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ServiceFor("github.com/acme/shop/inventory/store"); got == nil || got.Name != "inventory" {
		t.Errorf("ServiceFor(inventory/store) = %+v", got)
	}
	if got := c.ServiceFor("github.com/acme/shop/inventoryx"); got != nil {
		t.Errorf("/... matched a sibling package: %+v", got)
	}
	if got := c.ServiceFor("github.com/acme/shop/cmd/catalog"); got == nil || got.Team != "catalog" {
		t.Errorf("ServiceFor(cmd/catalog) = %+v", got)
	}
	if a := c.Aliases(); a["catalog-v2"] != "catalog" || len(a) != 2 {
		t.Errorf("Aliases = %v", a)
	}
	if tm := c.Teams(); tm["inventory"] != "stock" {
		t.Errorf("Teams = %v", tm)
	}
	if p := c.BaselinePath(); p != filepath.Join("dir", "tracegraph.baseline.json") {
		t.Errorf("BaselinePath = %q", p)
	}
	if len(c.Rules.Forbidden) != 1 || c.Rules.Forbidden[0].ID != "no-direct-db" || len(c.Rules.Required) != 1 {
		t.Errorf("rules = %+v", c.Rules)
	}
	if c.Spans.MessageTypeAttribute != "messaging.message.type" || len(c.Recognizers) != 1 {
		t.Errorf("spans/recognizers = %+v %+v", c.Spans, c.Recognizers)
	}
	if len(c.Presets) != 2 || c.Presets[0].Label != "Failed inventory updates for merchant 4c5d6e7" {
		t.Fatalf("presets = %+v", c.Presets)
	}
	// The names are the events page's parameters.
	if q := c.Presets[0].Events.Values().Encode(); q != "service=inventory&status=error&where=merchant_id%3D4c5d6e7" {
		t.Errorf("presets[0] query = %s", q)
	}
	if q := c.Presets[1].Events.Values().Encode(); q != "limit=50&service=catalog&since=1h" {
		t.Errorf("presets[1] query = %s", q)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown top-level key names key and line", "services: []\nbaselin: x\n", `line 2: unknown field "baselin"`},
		{"unknown nested key", "rules:\n  forbiden:\n    - from: a\n", `line 2: unknown field "forbiden"`},
		{"unknown key in a list item", "services:\n  - package: a\n    name: b\n    tema: c\n", `line 4: unknown field "tema"`},
		{"syntax error", "services: [\n", "line "},
		{"service without name", "services:\n  - package: a\n", "services[0]: name and a package or hosts are required"},
		{"service with neither package nor hosts", "services:\n  - name: a\n", "services[0]: name and a package or hosts are required"},
		{"host with a path", "services:\n  - name: a\n    hosts: [inventory/x]\n", `hosts: "inventory/x" is not a host or host:port`},
		{"base URL that is not http", "services:\n  - name: a\n    hosts: [\"ftp://inventory\"]\n", `hosts: "ftp://inventory" is not an http(s) base URL`},
		{"bad glob", "rules:\n  allowed:\n    - from: \"[\"\n", `rules.allowed[0]: bad pattern "["`},
		{"unknown key under render", "render:\n  graphviz: /usr/bin/dot\n  engine: native\n", `line 3: unknown field "engine"`},
		{"unknown key in a preset's filter", "presets:\n  - label: x\n    events:\n      servce: inventory\n", `line 4: unknown field "servce"`},
		{"preset without label", "presets:\n  - events: {status: error}\n", "presets[0]: label is required"},
		{"preset without filters", "presets:\n  - label: all\n", `presets[0]: "all": events needs at least one filter`},
		{"preset with a bad where", "presets:\n  - label: x\n    events: {where: [merchant_id]}\n", `presets[0]: "x": bad where "merchant_id"`},
		{"preset with a bad limit", "presets:\n  - label: x\n    events: {status: error, limit: 20000}\n", `presets[0]: "x": limit 20000`},
		{"bad recognizer", "recognizers:\n  - package: x\n    functions:\n      - func: Send\n        role: yell\n        channel: {arg: 0}\n", "role must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("tg.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "config tg.yaml: ") {
				t.Errorf("error = %q, want it to name the file and contain %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestGraphvizPath(t *testing.T) {
	for _, tt := range []struct{ config, value, want string }{
		{"dir/tracegraph.yaml", "", ""},
		{"dir/tracegraph.yaml", "dot", "dot"}, // a command name: PATH decides
		{"dir/tracegraph.yaml", "/opt/graphviz/bin/dot", "/opt/graphviz/bin/dot"},
		{"dir/tracegraph.yaml", "tools/dot", filepath.Join("dir", "tools", "dot")},
		{"dir/tracegraph.yaml", "./dot", filepath.Join("dir", "dot")},
	} {
		c, err := Parse(tt.config, []byte("render:\n  graphviz: "+cmp.Or(tt.value, `""`)+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.GraphvizPath(); got != tt.want {
			t.Errorf("render.graphviz %q in %s: %q, want %q", tt.value, tt.config, got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c, err := Load("")
	if err != nil || c.Path != "" {
		t.Fatalf("Load with no file = %+v, %v; want the zero config", c, err)
	}
	if _, err := Load("missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("explicit missing file: err = %v", err)
	}
	if err := os.WriteFile(DefaultFile, []byte("baseline: b.json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Load("")
	if err != nil || c.Baseline != "b.json" || c.Path != DefaultFile {
		t.Fatalf("Load default = %+v, %v", c, err)
	}
}

func TestServiceForURL(t *testing.T) {
	c, err := Parse("tg.yaml", []byte(`services:
  - name: inventory
    hosts: [inventory-svc, "localhost:8081"]
  - name: gateway-inventory
    hosts: ["http://gw:8080/inventory"]
  - name: gateway
    hosts: ["gw:8080"]
  - name: gateway-inventory2
    hosts: ["http://gw/inventory"]
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ url, want string }{
		{"http://inventory-svc/stock", "inventory"},
		{"http://inventory-svc:9000/stock", "inventory"}, // a host without a port matches any port
		{"http://localhost:8081/stock", "inventory"},
		{"http://localhost:8082/stock", ""},
		{"http://gw:8080/inventory/stock", "gateway-inventory"}, // the base URL is more specific than the host
		{"http://gw:8080/inventory", "gateway-inventory"},
		{"http://gw:8080/inventoryx", "gateway"}, // a base path is a whole segment
		{"http://gw:8080/orders", "gateway"},
		{"http://other/stock", ""},
		{"http://gw/inventory/stock", "gateway-inventory2"}, // a base URL without a port matches any port
	} {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if r, _ := c.ServiceForURL(u); r != nil {
			got = r.Name
		}
		if got != tt.want {
			t.Errorf("ServiceForURL(%s) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
