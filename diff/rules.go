package diff

import (
	"fmt"
	"path"
	"strings"

	"github.com/tracegraph/tracegraph/topology"
)

// RuleKind says what a rule demands of the flows it matches.
type RuleKind string

// Rule kinds.
const (
	// Forbidden flows are violations wherever they appear, declared or
	// observed.
	Forbidden RuleKind = "forbidden"
	// Required flows are violations when no observed flow matches them.
	Required RuleKind = "required"
	// Allowed rules, when there is at least one, make every flow between two
	// services that matches none of them a violation.
	Allowed RuleKind = "allowed"
)

// AllowlistRule is the rule id of a flow that no allowed rule matches.
const AllowlistRule = "allowlist"

// Rule is an architecture rule. From, To, Channel and MessageType are
// path.Match globs; an empty one matches anything. MessageType matches the
// full type name or its short form (catalog.SkuUpdated). The missing end of
// a dangling flow matches only an empty glob or one that matches "" (*).
type Rule struct {
	ID          string
	Kind        RuleKind
	From        string
	To          string
	Channel     string
	MessageType string
	Reason      string
}

// Matches reports whether f is one of the flows the rule is about.
func (r Rule) Matches(f topology.Flow) bool {
	return globMatch(r.From, f.From) && globMatch(r.To, f.To) && globMatch(r.Channel, f.Channel) &&
		(globMatch(r.MessageType, f.MessageType) || globMatch(r.MessageType, topology.ShortType(f.MessageType)))
}

func globMatch(glob, s string) bool {
	if glob == "" {
		return true
	}
	ok, _ := path.Match(glob, s)
	return ok
}

// id is the rule's id, or one made from its kind and place among rules of
// that kind, so every finding names a rule.
func (r Rule) id(index int) string {
	if r.ID != "" {
		return r.ID
	}
	return fmt.Sprintf("%s[%d]", r.Kind, index)
}

// String is the rule in words, for messages.
func (r Rule) String() string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	s := fmt.Sprintf("%s -> %s on %s", or(r.From), or(r.To), or(r.Channel))
	if r.MessageType != "" {
		s += " (" + r.MessageType + ")"
	}
	return s
}

// CheckRules returns a diagnostic, with the rule's id, for each violation
// of rules by flows. Findings are located at the flow's first evidence.
func CheckRules(flows []topology.Flow, rules []Rule) []topology.Diagnostic {
	var out []topology.Diagnostic
	index := map[RuleKind]int{}
	hasAllowed := false
	for _, r := range rules {
		id := r.id(index[r.Kind])
		index[r.Kind]++
		switch r.Kind {
		case Forbidden:
			for _, f := range flows {
				if r.Matches(f) {
					out = append(out, flowFinding(f, id, "forbidden flow "+FlowSubject(f), r.Reason))
				}
			}
		case Required:
			found := false
			for _, f := range flows {
				found = found || (observedStatus(f.Status) && r.Matches(f))
			}
			if !found {
				subject := "required " + r.String()
				out = append(out, topology.Diagnostic{Rule: id, Subject: subject,
					Message: withReason("required flow "+r.String()+" was not observed", r.Reason)})
			}
		case Allowed:
			hasAllowed = true
		}
	}
	if hasAllowed {
		for _, f := range flows {
			if dangling(f) || anyAllows(rules, f) {
				continue
			}
			out = append(out, flowFinding(f, AllowlistRule, "flow "+FlowSubject(f)+" matches no allowed rule", ""))
		}
	}
	return out
}

func anyAllows(rules []Rule, f topology.Flow) bool {
	for _, r := range rules {
		if r.Kind == Allowed && r.Matches(f) {
			return true
		}
	}
	return false
}

// observedStatus reports whether a flow with this status was seen at run
// time.
func observedStatus(s string) bool {
	return s == topology.StatusConverged || s == topology.StatusUndeclared || s == topology.StatusTypeMismatch || s == topology.StatusUnverified
}

func flowFinding(f topology.Flow, rule, msg, reason string) topology.Diagnostic {
	d := topology.Diagnostic{Rule: rule, Subject: FlowSubject(f), Message: withReason(msg, reason)}
	if len(f.Evidence) > 0 {
		d.File, d.Line = f.Evidence[0].File, f.Evidence[0].Line
	}
	return d
}

func withReason(msg, reason string) string {
	if reason == "" {
		return msg
	}
	return msg + ": " + reason
}

// FlowSubject names a flow in words that do not depend on its status,
// stats or evidence: "pubsub catalog -> inventory on sku.updated
// (github.com/x/catalog.SkuUpdated)". A missing end reads "?".
func FlowSubject(f topology.Flow) string {
	or := func(s string) string {
		if s == "" {
			return "?"
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> %s on ", f.Kind, or(f.From), or(f.To))
	if f.System != "" {
		b.WriteString(f.System + ":")
	}
	b.WriteString(f.Channel)
	if f.MessageType != "" {
		b.WriteString(" (" + f.MessageType + ")")
	}
	return b.String()
}
