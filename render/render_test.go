package render

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fogleman/gg"
	"golang.org/x/image/font"

	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/render/embedded"
	"github.com/tracegraph/tracegraph/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// embeddedOnly draws with go-graphviz in process, whatever is installed.
var embeddedOnly = Graphviz{Engine: EngineEmbedded, Embedded: embedded.Layouter{}}

func readGraph(t testing.TB, name string) *topology.Graph {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := topology.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return g
}

// fixture is the diff of the hand-written declared and observed graphs in
// testdata: every status, an alias, a pattern channel, a covered dangling
// end, two rule findings, a baselined flow and a stale baseline entry.
func fixture(t testing.TB) *topology.Graph {
	t.Helper()
	f, err := os.Open("testdata/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := diff.DecodeBaseline("testdata/baseline.json", f)
	if err != nil {
		t.Fatal(err)
	}
	return diff.Compare(readGraph(t, "declared.json"), readGraph(t, "observed.json"), diff.Options{
		Aliases:  map[string]string{"inventory-svc": "inventory"},
		Baseline: b,
		Rules: []diff.Rule{
			{ID: "no-debug-tap", Kind: diff.Forbidden, From: "debug-*", Reason: "debug taps must not run in production"},
			{ID: "stock-to-orders", Kind: diff.Required, From: "inventory", To: "orders"},
		},
	})
}

// render writes g as opts say; SVG and PNG go through the embedded
// renderer in process unless opts.Graphviz names another engine.
func render(t testing.TB, g *topology.Graph, opts Options) []byte {
	t.Helper()
	if opts.Graphviz.Engine == "" && opts.Graphviz.Dot == "" && opts.Graphviz.Embedded == nil {
		opts.Graphviz = embeddedOnly
	}
	var buf bytes.Buffer
	if err := Write(&buf, g, opts); err != nil {
		t.Fatalf("%s: %v", opts.Format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	focus, err := fixture(t).Focus("orders", 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		golden string
		g      *topology.Graph
		opts   Options
	}{
		{"diff.dot", fixture(t), Options{Format: "dot"}},
		{"diff-messages.dot", fixture(t), Options{Format: "dot", View: topology.ViewMessages}},
		{"diff-channels.dot", fixture(t), Options{Format: "dot", View: topology.ViewChannels}},
		{"diff-focus-orders.dot", focus, Options{Format: "dot"}},
		{"declared.dot", readGraph(t, "declared.json"), Options{Format: "dot"}},
		{"diff.mmd", fixture(t), Options{Format: "mermaid"}},
		{"diff-channels.mmd", fixture(t), Options{Format: "mermaid", View: topology.ViewChannels}},
		{"diff.md", fixture(t), Options{Format: "markdown"}},
		{"diff.sarif", fixture(t), Options{Format: "sarif", ConfigFile: "tracegraph.yaml"}},
		{"diff.txt", fixture(t), Options{Format: "text"}},
		{"hostile.md", hostile(), Options{Format: "markdown"}},
		{"hostile.mmd", hostile(), Options{Format: "mermaid"}},
		{"hostile.txt", hostile(), Options{Format: "text"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := render(t, tt.g, tt.opts)
			path := filepath.Join("testdata", "golden", tt.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", tt.golden, got)
			}
		})
	}
}

// TestDeterministic renders the fixture from inputs in another order, many
// times, and wants the same bytes each time.
func TestDeterministic(t *testing.T) {
	for _, format := range []string{"dot", "mermaid", "markdown", "sarif", "json", "svg"} {
		t.Run(format, func(t *testing.T) {
			want := render(t, fixture(t), Options{Format: format})
			for i := range 5 {
				declared, observed := readGraph(t, "declared.json"), readGraph(t, "observed.json")
				slices.Reverse(declared.Flows)
				slices.Reverse(observed.Flows)
				slices.Reverse(observed.Services)
				g := diff.Compare(declared, observed, diff.Options{
					Aliases: map[string]string{"inventory-svc": "inventory"},
					Rules: []diff.Rule{
						{ID: "stock-to-orders", Kind: diff.Required, From: "inventory", To: "orders"},
						{ID: "no-debug-tap", Kind: diff.Forbidden, From: "debug-*", Reason: "debug taps must not run in production"},
					},
					Baseline: &diff.Baseline{Schema: diff.BaselineSchema, Entries: []diff.Entry{
						{Status: "unobserved", Kind: "pubsub", From: "catalog", To: "search", Channel: "sku.updated", MessageType: "github.com/tracegraph/tracegraph/examples/shop/catalog.SkuUpdated"},
						{Status: "undeclared", Kind: "pubsub", From: "catalog", To: "debug-tap", Channel: "sku.updated", MessageType: "github.com/tracegraph/tracegraph/examples/shop/catalog.SkuUpdated"},
					}},
				})
				if got := render(t, g, Options{Format: format}); !bytes.Equal(got, want) {
					t.Fatalf("run %d differs", i)
				}
			}
		})
	}
}

// svgElem is the part of an SVG that tells what was drawn: groups with
// their id, class and title, recursively.
type svgElem struct {
	XMLName xml.Name
	ID      string    `xml:"id,attr"`
	Class   string    `xml:"class,attr"`
	Title   string    `xml:"title"`
	Texts   []string  `xml:"text"`
	Kids    []svgElem `xml:",any"`
}

func (e svgElem) walk(f func(svgElem)) {
	f(e)
	for _, k := range e.Kids {
		k.walk(f)
	}
}

func TestSVG(t *testing.T) {
	for _, e := range testEngines(t) {
		t.Run(e.name, func(t *testing.T) {
			checkFixtureSVG(t, render(t, fixture(t), Options{Format: "svg", Graphviz: e.gv}))
		})
	}
}

// checkFixtureSVG parses the fixture's SVG and checks what it draws: its
// service nodes, team clusters, edges by status class and the legend.
func checkFixtureSVG(t *testing.T, out []byte) {
	t.Helper()
	var root svgElem
	if err := xml.Unmarshal(out, &root); err != nil {
		t.Fatalf("SVG is not XML: %v", err)
	}
	if root.XMLName.Local != "svg" {
		t.Fatalf("root element %q, want svg", root.XMLName.Local)
	}
	var nodes, teams []string
	edges := map[string]int{}
	var legend []string
	root.walk(func(e svgElem) {
		classes := strings.Fields(e.Class)
		switch {
		case slices.Contains(classes, "legend"):
			legend = append(legend, e.Texts...)
		case slices.Contains(classes, "service"):
			nodes = append(nodes, e.ID)
		case slices.Contains(classes, "team"):
			teams = append(teams, e.Title)
		case slices.Contains(classes, "edge"):
			edges[strings.Join(classes[2:], " ")]++
		}
	})
	slices.Sort(nodes)
	wantNodes := []string{"svc:audit", "svc:catalog", "svc:debug-tap", "svc:inventory", "svc:notifier", "svc:orders", "svc:pricing"}
	if !slices.Equal(nodes, wantNodes) {
		t.Errorf("service nodes %q, want %q", nodes, wantNodes)
	}
	slices.Sort(teams)
	if want := []string{"cluster_team_catalog", "cluster_team_fulfilment", "cluster_team_platform"}; !slices.Equal(teams, want) {
		t.Errorf("team clusters %q, want %q", teams, want)
	}
	// One edge per service pair and status: catalog->pricing carries a
	// converged and a type-mismatch flow, so it is two edges.
	wantEdges := map[string]int{"converged": 4, "undeclared": 1, "undeclared baselined": 1, "type-mismatch": 1, "unobserved": 1}
	if fmt.Sprint(edges) != fmt.Sprint(wantEdges) {
		t.Errorf("edges by status %v, want %v", edges, wantEdges)
	}
	if want := []string{"Legend", "converged (4)", "undeclared (2)", "type-mismatch (1)", "unobserved (1)"}; !slices.Equal(legend, want) {
		t.Errorf("legend texts %q, want %q", legend, want)
	}
}

func TestPNG(t *testing.T) {
	for _, e := range testEngines(t) {
		t.Run(e.name, func(t *testing.T) {
			checkFixturePNG(t, render(t, fixture(t), Options{Format: "png", Graphviz: e.gv}))
		})
	}
}

// checkFixturePNG decodes the fixture's PNG and looks for every status
// colour in it.
func checkFixturePNG(t *testing.T, out []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// Every status colour is painted somewhere: the flows and the legend.
	found := map[string]bool{}
	want := map[[3]uint8]string{}
	for s, st := range statusStyles {
		if s != "" {
			c := parseColor(st.color)
			r, g, b, _ := c.RGBA()
			want[[3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}] = s
		}
	}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if s, ok := want[[3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}]; ok {
				found[s] = true
			}
		}
	}
	// Every status but unverified, which the fixture has no flow of and
	// the legend leaves out then.
	if len(found) != 4 || found[topology.StatusUnverified] {
		t.Errorf("status colours painted: %v, want the four the fixture has", found)
	}
	if bounds.Dx() < 400 || bounds.Dy() < 200 {
		t.Errorf("picture is %v, too small for the fixture", bounds)
	}
}

func TestSVGConcurrent(t *testing.T) {
	// go-graphviz's module is shared; the mutex must make parallel renders safe.
	want := render(t, fixture(t), Options{Format: "svg"})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var buf bytes.Buffer
			err := SVG(context.Background(), &buf, fixture(t), Options{Graphviz: embeddedOnly})
			if err == nil && !bytes.Equal(buf.Bytes(), want) {
				err = fmt.Errorf("concurrent render differs")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// hostile is a diff whose names try to break out of what renders them: a
// newline and a code fence, HTML, backticks, table pipes, a terminal escape
// sequence, a bell and a bidi override.
func hostile() *topology.Graph {
	evil := "evil\n```\n<script>alert(1)</script>"
	ticks := "a`b``c|d"
	term := "term\x1b[31mred\x07\u202egnp.exe"
	g := topology.New(topology.SourceDiff)
	g.Services = []topology.Service{{Name: evil}, {Name: ticks}, {Name: term}}
	g.Flows = []topology.Flow{
		{Kind: topology.KindPubSub, From: evil, To: ticks, Channel: "ch`\n# heading", Status: topology.StatusUndeclared,
			MessageType: "x.<img src=x onerror=alert(1)>", Evidence: []topology.Evidence{{File: "a_b*c.go", Line: 3}}},
		{Kind: topology.KindReqRep, From: term, To: evil, Channel: "GET /x|y", Status: topology.StatusUnobserved},
	}
	g.Diagnostics = []topology.Diagnostic{{Rule: "r**x**", Message: "flow " + evil + " -> " + term, File: "b.go", Line: 1}}
	return g
}

// TestHostileNames checks, beyond the golden files, that no hostile name
// escapes: the Markdown has one code fence (the Mermaid block) and no raw
// HTML, and no output holds a terminal control character.
func TestHostileNames(t *testing.T) {
	for _, format := range []string{"markdown", "mermaid", "text"} {
		out := string(render(t, hostile(), Options{Format: format}))
		for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %q:\n%s", format, bad, out)
			}
		}
		if format == "markdown" {
			// HTML in a code span is shown, not run; outside one it
			// must not be there.
			if prose := withoutCode(out); strings.Contains(prose, "<script") || strings.Contains(prose, "<img") {
				t.Errorf("markdown holds raw HTML outside code:\n%s", prose)
			}
		}
		fences := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				fences++
			}
			if strings.HasPrefix(line, "# heading") {
				t.Errorf("%s: a name started a heading line:\n%s", format, out)
			}
		}
		if want := map[string]int{"markdown": 2}[format]; fences != want {
			t.Errorf("%s: %d code fence lines, want %d:\n%s", format, fences, want, out)
		}
	}
}

// withoutCode removes the fenced block and the code spans of Markdown.
func withoutCode(md string) string {
	if i := strings.Index(md, "```mermaid"); i >= 0 {
		if j := strings.Index(md[i+3:], "\n```\n"); j >= 0 {
			md = md[:i] + md[i+3+j+5:]
		}
	}
	var b strings.Builder
	for i := 0; i < len(md); {
		if md[i] != '`' {
			b.WriteByte(md[i])
			i++
			continue
		}
		n := 0
		for i+n < len(md) && md[i+n] == '`' {
			n++
		}
		fence := strings.Repeat("`", n)
		end := -1
		for j := i + n; j < len(md); {
			k := strings.Index(md[j:], fence)
			if k < 0 {
				break
			}
			k += j
			m := 0
			for k+m < len(md) && md[k+m] == '`' {
				m++
			}
			if m == n {
				end = k
				break
			}
			j = k + m
		}
		if end < 0 {
			b.WriteString(md[i:])
			break
		}
		i = end + n
	}
	return b.String()
}

// TestSARIFAlwaysAFile: code scanning rejects a result without a physical
// location, so a finding no code declares and no config names is placed at
// the module's go.mod.
func TestSARIFAlwaysAFile(t *testing.T) {
	g := topology.New(topology.SourceDiff)
	g.Flows = []topology.Flow{{Kind: topology.KindPubSub, From: "a", To: "b", Channel: "x", Status: topology.StatusUndeclared}}
	g.Diagnostics = []topology.Diagnostic{{Rule: "r1", Message: "required flow a -> c was not observed"}}
	for _, opts := range []Options{{Format: "sarif"}, {Format: "sarif", ModuleFile: "svc/go.mod"}} {
		var log struct {
			Runs []struct {
				Results []struct {
					Locations []struct {
						PhysicalLocation *struct {
							ArtifactLocation struct{ URI string }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(render(t, g, opts), &log); err != nil {
			t.Fatal(err)
		}
		want := cmp.Or(opts.ModuleFile, "go.mod")
		n := 0
		for _, r := range log.Runs[0].Results {
			n++
			if len(r.Locations) == 0 || r.Locations[0].PhysicalLocation == nil || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != want {
				t.Errorf("result %+v: want a physical location at %s", r, want)
			}
		}
		if n != 2 {
			t.Errorf("%d results, want 2", n)
		}
	}
}

// TestSARIFFingerprintsStable: a finding keeps its fingerprint when its
// code moves or the other findings change, so code scanning keeps its
// alert; two findings never share one.
func TestSARIFFingerprintsStable(t *testing.T) {
	prints := func(g *topology.Graph) map[string]string {
		var log struct {
			Runs []struct {
				Results []struct {
					Message             struct{ Text string }
					PartialFingerprints map[string]string
				}
			}
		}
		if err := json.Unmarshal(render(t, g, Options{Format: "sarif"}), &log); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range log.Runs[0].Results {
			for _, fp := range r.PartialFingerprints {
				if prev, dup := out[fp]; dup {
					t.Errorf("two results share a fingerprint: %q and %q", prev, r.Message.Text)
				}
				out[fp] = r.Message.Text
			}
		}
		return out
	}
	flow := func(channel string, line int) topology.Flow {
		return topology.Flow{Kind: topology.KindPubSub, From: "a", To: "b", Channel: channel, Status: topology.StatusUndeclared,
			Evidence: []topology.Evidence{{File: "a.go", Line: line}}}
	}
	g1 := topology.New(topology.SourceDiff)
	g1.Flows = []topology.Flow{flow("x", 10), flow("y", 20)}
	g2 := topology.New(topology.SourceDiff)
	g2.Flows = []topology.Flow{flow("x", 14)} // x moved four lines down, y is gone
	p1, p2 := prints(g1), prints(g2)
	if len(p1) != 2 || len(p2) != 1 {
		t.Fatalf("fingerprints %v and %v", p1, p2)
	}
	for fp := range p2 {
		if _, ok := p1[fp]; !ok {
			t.Errorf("the finding on x changed its fingerprint when its code moved")
		}
	}
}

// TestPNGHyphen: a hyphen is drawn narrower than the Go font's
// hyphen-minus, which is as wide as an n and reads as a minus sign.
func TestPNGHyphen(t *testing.T) {
	rightmost := func(draw func(p *painter, face font.Face)) int {
		p := &painter{c: gg.NewContext(200, 40), scale: 1, fonts: map[float64]font.Face{}}
		p.c.SetColor(color.White)
		p.c.Clear()
		p.c.SetColor(color.Black)
		face := p.face(20)
		p.c.SetFontFace(face)
		draw(p, face)
		img := p.c.Image()
		right := -1
		for y := 0; y < 40; y++ {
			for x := 0; x < 200; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 && x > right {
					right = x
				}
			}
		}
		return right
	}
	plain := rightmost(func(p *painter, _ font.Face) { p.c.DrawString("a-b", 2, 30) })
	drawn := rightmost(func(p *painter, face font.Face) { p.hyphenated(face, "a-b", 2, 30, 0) })
	if drawn <= 0 || drawn >= plain {
		t.Errorf("\"a-b\" ends at x=%d drawn with a hyphen, at x=%d with the font's hyphen-minus: want it shorter", drawn, plain)
	}
}

// TestWriteID holds the DOT writer's quick path for plain names to dotID.
func TestWriteID(t *testing.T) {
	for _, s := range []string{"", "svc:orders", "a\"b", `a\b`, "a\nb", "café", "bad \xff utf-8", "\u202eevil", "tab\there"} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeID(w, s)
		w.Flush()
		if got, want := b.String(), dotID(s); got != want {
			t.Errorf("writeID(%q) = %q, want %q", s, got, want)
		}
	}
}
