package render

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/internal/indentjson"
	"github.com/tracegraph/tracegraph/topology"
)

// SARIF rule ids of tracegraph's own findings; a configured rule's finding
// has the id "rule/" + its id.
const (
	SARIFUndeclared   = "undeclared-flow"
	SARIFTypeMismatch = "type-mismatch"
	SARIFUnverified   = "unverified-flow"
)

// fingerprintKey names the partialFingerprints entry. Its value hashes what
// the finding is about (a flow's identity, or a rule and its subject), never
// a line number, so a result stays the same result when code moves.
const fingerprintKey = "tracegraphFinding/v1"

// SARIFMaxResults is how many results a run holds at most. Code scanning
// rejects a run of more than 25,000 results and keeps only the first 5,000
// by severity of the rest, so tracegraph keeps the 5,000 that matter most
// itself (errors, then warnings, then notes; new before baselined) and
// counts the others in the run's properties.
const SARIFMaxResults = 5000

// SARIF writes the findings of a diff graph as SARIF 2.1.0 for code
// scanning: undeclared flows, type mismatches and rule violations. A result
// is located at the code that declares the flow where the static side
// knows it (the producer side first). Baselined findings are kept, with
// baselineState "unchanged"; the others are "new". A graph that is not a
// diff has no findings and gives a run with no results.
func SARIF(w io.Writer, g *topology.Graph, opts Options) error {
	g.Normalize()
	var results []sarifResult
	used := map[string]bool{}
	for _, f := range g.Flows {
		var rule, level, msg string
		switch f.Status {
		case topology.StatusUndeclared:
			rule, level = SARIFUndeclared, "error"
			msg = "Undeclared flow: " + diff.FlowSubject(f) + " is observed at run time, but no code declares it."
		case topology.StatusTypeMismatch:
			rule, level = SARIFTypeMismatch, "warning"
			msg = fmt.Sprintf("Type mismatch: %s is declared with %s but observed carrying %s.",
				diff.FlowSubject(f), f.MessageType, f.ObservedType)
		case topology.StatusUnverified:
			rule, level = SARIFUnverified, "note"
			msg = "Unverified flow: " + diff.FlowSubject(f) + " is observed at run time; code of its services failed to load, so whether it is declared is not known."
		default:
			continue
		}
		if s := f.Stats; s != nil {
			msg += fmt.Sprintf(" Seen %s between %s and %s.", plural(s.Count, "time"),
				s.FirstSeen.UTC().Format("2006-01-02T15:04:05Z"), s.LastSeen.UTC().Format("2006-01-02T15:04:05Z"))
		}
		subject := f.Status + " " + diff.FlowSubject(f)
		if f.ObservedType != "" {
			subject += " observed as " + f.ObservedType
		}
		used[rule] = true
		results = append(results, newResult(rule, level, msg, subject, f.Baselined, f.Evidence, []string{f.From, f.To}, opts))
	}
	for _, d := range g.Diagnostics {
		if d.Rule == "" || d.Rule == diff.StaleBaselineRule {
			continue
		}
		var ev []topology.Evidence
		if d.File != "" {
			ev = []topology.Evidence{{File: d.File, Line: d.Line}}
		}
		rule := "rule/" + d.Rule
		used[rule] = true
		results = append(results, newResult(rule, "error", d.Message, "rule "+d.Rule+": "+d.Subject, d.Baselined, ev, nil, opts))
	}

	var omitted int
	if len(results) > SARIFMaxResults {
		slices.SortStableFunc(results, func(a, b sarifResult) int {
			return cmp.Or(cmp.Compare(levelRank[a.Level], levelRank[b.Level]),
				cmp.Compare(a.BaselineState, b.BaselineState))
		})
		omitted = len(results) - SARIFMaxResults
		results = results[:SARIFMaxResults]
		clear(used)
		for _, r := range results {
			used[r.RuleID] = true
		}
	}

	var rules []sarifRule
	for id := range used {
		rules = append(rules, describeRule(id))
	}
	slices.SortFunc(rules, func(a, b sarifRule) int { return strings.Compare(a.ID, b.ID) })
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "tracegraph", InformationURI: "https://github.com/tracegraph/tracegraph", Rules: nonNilRules(rules)}},
			Results: results,
		}},
	}
	if omitted > 0 {
		log.Runs[0].Properties = map[string]any{"tracegraph/omittedResults": omitted}
	}
	if log.Runs[0].Results == nil {
		log.Runs[0].Results = []sarifResult{}
	}
	data, err := indentjson.Marshal(log)
	if err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	_, err = w.Write(data)
	return err
}

// levelRank orders results for the cut to SARIFMaxResults.
var levelRank = map[string]int{"error": 0, "warning": 1, "note": 2}

func nonNilRules(r []sarifRule) []sarifRule {
	if r == nil {
		return []sarifRule{}
	}
	return r
}

func newResult(rule, level, msg, subject string, baselined bool, ev []topology.Evidence, services []string, opts Options) sarifResult {
	sum := sha256.Sum256([]byte(subject))
	r := sarifResult{
		RuleID:              rule,
		Level:               level,
		Message:             sarifText{Text: termSafe(msg)},
		PartialFingerprints: map[string]string{fingerprintKey: hex.EncodeToString(sum[:16])},
		BaselineState:       "new",
	}
	if baselined {
		r.BaselineState = "unchanged"
	}
	// The first evidence is where a fix starts (the producer when known);
	// SARIF asks for one location unless every one must change.
	var loc sarifLocation
	switch {
	case len(ev) > 0:
		loc.PhysicalLocation = &sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: sarifURI(ev[0].File), URIBaseID: "%SRCROOT%"},
			Region:           &sarifRegion{StartLine: max(ev[0].Line, 1)},
		}
	case opts.ConfigFile != "":
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(opts.ConfigFile), URIBaseID: "%SRCROOT%"}}
	default:
		// Code scanning rejects a result with no file: the module's
		// go.mod stands for the code as a whole.
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(cmp.Or(opts.ModuleFile, "go.mod")), URIBaseID: "%SRCROOT%"}}
	}
	for _, s := range services {
		if s != "" {
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: s, Kind: "module"})
		}
	}
	if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
		r.Locations = []sarifLocation{loc}
	}
	return r
}

// sarifURI writes a path relative to the source root as the URI reference
// SARIF asks for: a space, '%' or '#' in a file name would otherwise end or
// bend the reference, and code scanning would not find the file.
func sarifURI(path string) string {
	segs := strings.Split(strings.ReplaceAll(path, `\`, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func describeRule(id string) sarifRule {
	switch id {
	case SARIFUndeclared:
		return sarifRule{ID: id, Name: "UndeclaredFlow",
			ShortDescription: sarifText{Text: "A message flow observed at run time that no code declares"},
			FullDescription:  sarifText{Text: "Trace events show a service sending a message to another over a channel, but the static analysis of the code finds no publish/subscribe or request/serve pair for it: an undocumented flow."},
			Default:          sarifConfig{Level: "error"}}
	case SARIFTypeMismatch:
		return sarifRule{ID: id, Name: "TypeMismatch",
			ShortDescription: sarifText{Text: "A flow observed with a different message type than declared"},
			FullDescription:  sarifText{Text: "The same services and channel carry a message type at run time that differs from the type the code declares."},
			Default:          sarifConfig{Level: "warning"}}
	case SARIFUnverified:
		return sarifRule{ID: id, Name: "UnverifiedFlow",
			ShortDescription: sarifText{Text: "A flow observed at run time that a partial declared graph cannot judge"},
			FullDescription:  sarifText{Text: "Code of the flow's producer or consumer failed to load, so the static analysis may miss its declaration: the flow is not reported as undeclared until the code loads."},
			Default:          sarifConfig{Level: "note"}}
	}
	name := strings.TrimPrefix(id, "rule/")
	return sarifRule{ID: id, Name: "Rule",
		ShortDescription: sarifText{Text: "Architecture rule " + name + " (tracegraph.yaml)"},
		FullDescription:  sarifText{Text: "A flow breaks the forbidden, required or allowed flow rule " + name + " of tracegraph.yaml."},
		Default:          sarifConfig{Level: "error"}}
}

// The subset of SARIF 2.1.0 that tracegraph writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool      `json:"tool"`
		Results    []sarifResult  `json:"results"`
		Properties map[string]any `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string      `json:"id"`
		Name             string      `json:"name"`
		ShortDescription sarifText   `json:"shortDescription"`
		FullDescription  sarifText   `json:"fullDescription"`
		Default          sarifConfig `json:"defaultConfiguration"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		BaselineState       string            `json:"baselineState"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
)
