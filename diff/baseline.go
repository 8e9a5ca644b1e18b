package diff

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/tracegraph/tracegraph/internal/indentjson"
	"github.com/tracegraph/tracegraph/internal/jsondoc"
	"github.com/tracegraph/tracegraph/topology"
)

// BaselineSchema is the version tag of a baseline file.
const BaselineSchema = "tracegraph-baseline/v1"

// StaleBaselineRule is the rule id of the diagnostic that reports a baseline
// entry matching nothing any more. It is not a rule violation: it never
// fails a build, it asks for the entry to be removed.
const StaleBaselineRule = "stale-baseline"

// Baseline is a file of accepted differences: flows whose status is known
// and accepted, and rule findings known and accepted. A difference it lists
// is marked Baselined and no longer fails a build.
type Baseline struct {
	Schema  string  `json:"schema"`
	Entries []Entry `json:"entries"`
}

// Entry is one accepted difference. A flow entry has Status and the flow's
// identity; a rule entry has Rule and the finding's Subject.
type Entry struct {
	Status       string `json:"status,omitempty"`
	Kind         string `json:"kind,omitempty"`
	From         string `json:"from,omitempty"`
	To           string `json:"to,omitempty"`
	Channel      string `json:"channel,omitempty"`
	MessageType  string `json:"message_type,omitempty"`
	System       string `json:"system,omitempty"`
	ObservedType string `json:"observed_type,omitempty"`
	Rule         string `json:"rule,omitempty"`
	Subject      string `json:"subject,omitempty"`
}

func flowEntry(f topology.Flow) Entry {
	return Entry{Status: f.Status, Kind: f.Kind, From: f.From, To: f.To, Channel: f.Channel,
		MessageType: f.MessageType, System: f.System, ObservedType: f.ObservedType}
}

func ruleEntry(d topology.Diagnostic) Entry { return Entry{Rule: d.Rule, Subject: d.Subject} }

func (e Entry) String() string {
	if e.Rule != "" {
		return "rule " + e.Rule + ": " + e.Subject
	}
	f := topology.Flow{Kind: e.Kind, From: e.From, To: e.To, Channel: e.Channel, MessageType: e.MessageType, System: e.System}
	s := e.Status + " " + FlowSubject(f)
	if e.ObservedType != "" {
		s += " observed as " + e.ObservedType
	}
	return s
}

func compareEntries(a, b Entry) int {
	return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Status, b.Status), cmp.Compare(a.From, b.From),
		cmp.Compare(a.To, b.To), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.MessageType, b.MessageType),
		cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.System, b.System), cmp.Compare(a.ObservedType, b.ObservedType),
		cmp.Compare(a.Subject, b.Subject))
}

// NewBaseline accepts every difference of a diff graph: each flow that is
// not converged and each rule finding.
func NewBaseline(g *topology.Graph) *Baseline {
	b := &Baseline{Schema: BaselineSchema, Entries: []Entry{}}
	for _, f := range g.Flows {
		if f.Status != "" && f.Status != topology.StatusConverged {
			b.Entries = append(b.Entries, flowEntry(f))
		}
	}
	for _, d := range g.Diagnostics {
		if isRuleFinding(d) {
			b.Entries = append(b.Entries, ruleEntry(d))
		}
	}
	b.normalize()
	return b
}

func (b *Baseline) normalize() {
	slices.SortFunc(b.Entries, compareEntries)
	b.Entries = slices.Compact(b.Entries)
}

// Apply marks the differences of g that b accepts as Baselined, and adds a
// StaleBaselineRule diagnostic for each entry that matched nothing.
func (b *Baseline) Apply(g *topology.Graph) {
	index := make(map[Entry]int, len(b.Entries))
	for i, e := range b.Entries {
		index[e] = i
	}
	used := make([]bool, len(b.Entries))
	for i := range g.Flows {
		f := &g.Flows[i]
		if f.Status == "" || f.Status == topology.StatusConverged {
			continue
		}
		if j, ok := index[flowEntry(*f)]; ok {
			f.Baselined, used[j] = true, true
		}
	}
	for i := range g.Diagnostics {
		d := &g.Diagnostics[i]
		if !isRuleFinding(*d) {
			continue
		}
		if j, ok := index[ruleEntry(*d)]; ok {
			d.Baselined, used[j] = true, true
		}
	}
	for i, e := range b.Entries {
		if !used[i] {
			g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{Rule: StaleBaselineRule, Subject: e.String(),
				Message: "baseline entry matches nothing any more, remove it: " + e.String()})
		}
	}
}

// Validate reports a baseline of another schema, or an entry that is not
// exactly one of a flow entry (a difference's status and a flow kind) and
// a rule entry, as a *jsondoc.PathError.
func (b *Baseline) Validate() error {
	if b.Schema != BaselineSchema {
		return jsondoc.At(fmt.Errorf("%q, want %q", b.Schema, BaselineSchema), "schema")
	}
	for i, e := range b.Entries {
		switch {
		case (e.Rule == "") == (e.Status == ""):
			return jsondoc.At(errors.New("exactly one of status and rule must be set"), "entries", i)
		case e.Rule != "":
			continue
		}
		switch e.Status {
		case topology.StatusUndeclared, topology.StatusUnobserved, topology.StatusTypeMismatch, topology.StatusUnverified:
		default:
			return jsondoc.At(fmt.Errorf("unknown status %q (want undeclared, unobserved, type-mismatch or unverified)", e.Status), "entries", i, "status")
		}
		if e.Kind != topology.KindPubSub && e.Kind != topology.KindReqRep {
			return jsondoc.At(fmt.Errorf("kind %q of a flow entry is not pubsub or reqrep", e.Kind), "entries", i, "kind")
		}
	}
	return nil
}

func isRuleFinding(d topology.Diagnostic) bool { return d.Rule != "" && d.Rule != StaleBaselineRule }

// Encode writes b as indented JSON, entries sorted, so a committed baseline
// diffs cleanly.
func (b *Baseline) Encode(w io.Writer) error {
	b.Schema = BaselineSchema
	if b.Entries == nil {
		b.Entries = []Entry{}
	}
	b.normalize()
	data, err := indentjson.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	_, err = w.Write(data)
	return err
}

// DecodeBaseline reads a baseline; name is used in errors. Unknown fields,
// a different schema and an entry that could match nothing (Validate) are
// errors with their line and column, so a typo never silently accepts less
// or more than meant.
func DecodeBaseline(name string, r io.Reader) (*Baseline, error) {
	var b Baseline
	if err := jsondoc.Decode(r, &b, true); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	b.normalize()
	return &b, nil
}
