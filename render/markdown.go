package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/topology"
)

// Markdown writes a report for $GITHUB_STEP_SUMMARY or a pull request: a
// table of flows by status, a Mermaid diagram, and the flows a reviewer must
// look at (undeclared first), rule findings and stale baseline entries.
func Markdown(w io.Writer, g *topology.Graph, opts Options) error {
	g.Normalize()
	bw := bufio.NewWriter(w)
	diffGraph := g.Source == topology.SourceDiff
	title := "tracegraph: " + g.Source + " graph"
	if diffGraph {
		title = "tracegraph: declared vs observed"
	}
	fmt.Fprintf(bw, "## %s\n\n", title)

	counts := map[string]int{}
	baselined := map[string]int{}
	for _, f := range g.Flows {
		counts[f.Status]++
		if f.Baselined {
			baselined[f.Status]++
		}
	}
	if diffGraph {
		bw.WriteString("| Status | Flows | Baselined |\n|---|---:|---:|\n")
		for _, s := range legend(counts) {
			fmt.Fprintf(bw, "| %s | %d | %d |\n", s, counts[s], baselined[s])
		}
		var rules, rulesBaselined, stale int
		for _, d := range g.Diagnostics {
			switch {
			case d.Rule == diff.StaleBaselineRule:
				stale++
			case d.Rule == "":
			case d.Baselined:
				rules++
				rulesBaselined++
			default:
				rules++
			}
		}
		fmt.Fprintf(bw, "| rule violations | %d | %d |\n", rules, rulesBaselined)
		if stale > 0 {
			fmt.Fprintf(bw, "| stale baseline entries | %d | |\n", stale)
		}
	} else {
		fmt.Fprintf(bw, "%d services, %d flows.\n", len(g.Services), len(g.Flows))
	}

	text, note := mermaidText(g, viewOf(opts))
	if note != "" {
		fmt.Fprintf(bw, "\n%s.\n", note)
	}
	fmt.Fprintf(bw, "\n```mermaid\n%s```\n", text)

	if diffGraph {
		mdFlows(bw, g, topology.StatusUndeclared, "Undeclared flows", "observed, but no code declares them")
		mdFlows(bw, g, topology.StatusTypeMismatch, "Type mismatches", "declared with one message type, observed with another")
		mdFlows(bw, g, topology.StatusUnverified, "Unverified flows", "observed, where code that failed to load may declare them")
		mdFindings(bw, g)
		mdFlows(bw, g, topology.StatusUnobserved, "Unobserved flows", "declared, never observed in this window")
	}
	return bw.Flush()
}

func mdFlows(w *bufio.Writer, g *topology.Graph, status, heading, meaning string) {
	var rows []string
	for _, f := range g.Flows {
		if f.Status != status {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "- %s → %s on %s (%s)", mdCode(mdName(f.From)), mdCode(mdName(f.To)), mdCode(channelText(f)), mdType(f))
		if s := f.Stats; s != nil {
			fmt.Fprintf(&b, ": %s, first seen %s, last seen %s", plural(s.Count, "message"),
				s.FirstSeen.UTC().Format("2006-01-02 15:04:05Z"), s.LastSeen.UTC().Format("2006-01-02 15:04:05Z"))
		}
		if len(f.Evidence) > 0 {
			fmt.Fprintf(&b, "; code: %s", mdText(evidenceText(f.Evidence)))
		}
		if f.Baselined {
			b.WriteString(" *(baselined)*")
		}
		rows = append(rows, b.String())
	}
	if len(rows) == 0 {
		return
	}
	if status == topology.StatusUnobserved {
		// Often just flows the window did not exercise: folded away.
		fmt.Fprintf(w, "\n<details><summary>%s (%d): %s</summary>\n\n%s\n\n</details>\n", heading, len(rows), meaning, strings.Join(rows, "\n"))
		return
	}
	fmt.Fprintf(w, "\n### %s (%d)\n\n%s.\n\n%s\n", heading, len(rows), capitalise(meaning), strings.Join(rows, "\n"))
}

func mdFindings(w *bufio.Writer, g *topology.Graph) {
	var rules, stale []string
	for _, d := range g.Diagnostics {
		switch {
		case d.Rule == diff.StaleBaselineRule:
			stale = append(stale, "- "+mdText(strings.TrimPrefix(d.Message, "baseline entry matches nothing any more, remove it: ")))
		case d.Rule != "":
			s := fmt.Sprintf("- **%s**: %s", mdText(d.Rule), mdText(d.Message))
			if d.File != "" {
				s += fmt.Sprintf(" (%s:%d)", mdText(d.File), d.Line)
			}
			if d.Baselined {
				s += " *(baselined)*"
			}
			rules = append(rules, s)
		}
	}
	if len(rules) > 0 {
		fmt.Fprintf(w, "\n### Rule violations (%d)\n\n%s\n", len(rules), strings.Join(rules, "\n"))
	}
	if len(stale) > 0 {
		fmt.Fprintf(w, "\n### Stale baseline entries (%d)\n\nThese accepted differences are gone; remove them from the baseline.\n\n%s\n", len(stale), strings.Join(stale, "\n"))
	}
}

func mdName(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func mdType(f topology.Flow) string {
	t := mdCode(orDash(topology.ShortType(f.MessageType)))
	if f.ObservedType != "" {
		t += ", observed " + mdCode(topology.ShortType(f.ObservedType))
	}
	return t
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
