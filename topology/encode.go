package topology

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/tracegraph/tracegraph/internal/indentjson"
	"github.com/tracegraph/tracegraph/internal/jsondoc"
)

// Normalize sorts every list and removes duplicates, so that equal graphs
// encode to equal bytes. Empty lists become empty, not null, in JSON.
func (g *Graph) Normalize() {
	if g.Schema == "" {
		g.Schema = Schema
	}
	g.Services = nonNil(g.Services)
	for i := range g.Services {
		slices.Sort(g.Services[i].Aliases)
		g.Services[i].Aliases = slices.Compact(g.Services[i].Aliases)
		slices.Sort(g.Services[i].Repos)
		g.Services[i].Repos = slices.Compact(g.Services[i].Repos)
		slices.Sort(g.Services[i].Candidates)
		g.Services[i].Candidates = slices.Compact(g.Services[i].Candidates)
	}
	slices.SortFunc(g.Services, func(a, b Service) int { return cmp.Compare(a.Name, b.Name) })
	g.Services = slices.CompactFunc(g.Services, func(a, b Service) bool { return a.Name == b.Name })

	g.Endpoints = nonNil(g.Endpoints)
	for i := range g.Endpoints {
		g.Endpoints[i].Evidence = normEvidence(g.Endpoints[i].Evidence)
	}
	slices.SortFunc(g.Endpoints, compareEndpoints)
	g.Endpoints = slices.CompactFunc(g.Endpoints, func(a, b Endpoint) bool { return compareEndpoints(a, b) == 0 })

	g.Flows = nonNil(g.Flows)
	for i := range g.Flows {
		g.Flows[i].Evidence = normEvidence(g.Flows[i].Evidence)
	}
	// A decoded graph is sorted already, and drawing it normalizes it
	// again; a stable sort is not quicker on sorted input.
	if !slices.IsSortedFunc(g.Flows, CompareFlows) {
		slices.SortStableFunc(g.Flows, CompareFlows)
	}

	g.Unresolved = nonNil(g.Unresolved)
	for i := range g.Unresolved {
		slices.Sort(g.Unresolved[i].Candidates)
		g.Unresolved[i].Candidates = slices.Compact(g.Unresolved[i].Candidates)
	}
	slices.SortFunc(g.Unresolved, func(a, b Unresolved) int {
		return cmp.Or(cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Role, b.Role), cmp.Compare(a.Expr, b.Expr), cmp.Compare(a.Reason, b.Reason))
	})
	g.Unresolved = slices.CompactFunc(g.Unresolved, func(a, b Unresolved) bool {
		return a.Repo == b.Repo && a.File == b.File && a.Line == b.Line && a.Service == b.Service && a.Role == b.Role && a.Expr == b.Expr && a.Reason == b.Reason
	})

	g.Diagnostics = nonNil(g.Diagnostics)
	slices.SortFunc(g.Diagnostics, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Subject, b.Subject), boolCmp(a.Baselined, b.Baselined))
	})
	g.Diagnostics = slices.Compact(g.Diagnostics)
}

func compareEndpoints(a, b Endpoint) int {
	return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.Role, b.Role), cmp.Compare(a.Channel, b.Channel),
		cmp.Compare(a.MessageType, b.MessageType), cmp.Compare(a.ReplyType, b.ReplyType), cmp.Compare(a.System, b.System),
		boolCmp(a.Pattern, b.Pattern), cmp.Compare(a.Peer, b.Peer), slices.CompareFunc(a.Evidence, b.Evidence, compareEvidence))
}

// CompareFlows orders flows by producer, consumer, channel, type, kind and
// system: the order in which people read a flow list.
func CompareFlows(a, b Flow) int {
	return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Channel, b.Channel),
		cmp.Compare(a.MessageType, b.MessageType), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.System, b.System),
		cmp.Compare(a.ReplyType, b.ReplyType), cmp.Compare(a.Status, b.Status), boolCmp(a.Pattern, b.Pattern),
		cmp.Compare(a.ObservedType, b.ObservedType))
}

func compareEvidence(a, b Evidence) int {
	return cmp.Or(cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
}

func normEvidence(ev []Evidence) []Evidence {
	if len(ev) == 0 {
		return nil
	}
	slices.SortFunc(ev, compareEvidence)
	return slices.Compact(ev)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	default:
		return 1
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Encode writes g as indented tracegraph/v1 JSON after normalizing it.
func Encode(w io.Writer, g *Graph) error {
	g.Normalize()
	data, err := indentjson.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode graph: %w", err)
	}
	_, err = w.Write(data)
	return err
}

// Marshal returns the encoded form of g.
func Marshal(g *Graph) ([]byte, error) {
	var buf bytes.Buffer
	err := Encode(&buf, g)
	return buf.Bytes(), err
}

// Decode reads a tracegraph/v1 graph and checks it (Validate). A different
// schema is an error: a newer file must not be silently misread. Errors
// give the line and column of the value at fault.
func Decode(r io.Reader) (*Graph, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("decode graph: %w", err)
	}
	// A graph the fast path reads but that breaks a rule goes the general
	// way too, which places the fault.
	if g, ok := decodeFast(data); ok && g.Validate() == nil {
		g.Normalize()
		return g, nil
	}
	return decodeGeneral(data)
}

// decodeGeneral is Decode through encoding/json, for anything decodeFast
// declines.
func decodeGeneral(data []byte) (*Graph, error) {
	var g Graph
	if err := jsondoc.Decode(bytes.NewReader(data), &g, false); err != nil {
		return nil, fmt.Errorf("decode graph: %w", err)
	}
	g.Normalize()
	return &g, nil
}

// readAll is io.ReadAll into a buffer of the file's size, where r says it
// (a file, a bytes.Reader): a graph of a few hundred kilobytes is
// otherwise read through a dozen doublings.
func readAll(r io.Reader) ([]byte, error) {
	size := 512
	switch r := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = int(fi.Size()) + 1 // one more byte to see the end
		}
	case interface{ Len() int }:
		size = r.Len() + 1
	}
	data := make([]byte, 0, size)
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}
