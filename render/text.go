package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tracegraph/tracegraph/diff"
	"github.com/tracegraph/tracegraph/topology"
)

// Text writes a readable table of flows, then unresolved entries and
// diagnostics.
func Text(w io.Writer, g *topology.Graph) error {
	g.Normalize()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	withStatus := g.Source == topology.SourceDiff
	hdr := []string{"KIND", "FROM", "TO", "CHANNEL", "MESSAGE TYPE"}
	if withStatus {
		hdr = append([]string{"STATUS"}, hdr...)
	}
	hdr = append(hdr, "COUNT", "ERRORS", "P50", "P95", "FIRST SEEN", "LAST SEEN", "EVIDENCE")
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for _, f := range g.Flows {
		row := []string{f.Kind, orDash(termSafe(f.From)), orDash(termSafe(f.To)), termSafe(channelText(f)), termSafe(typeText(f))}
		if withStatus {
			st := f.Status
			if f.Baselined {
				st += " (baselined)"
			}
			row = append([]string{st}, row...)
		}
		if s := f.Stats; s != nil {
			row = append(row, fmt.Sprint(s.Count), fmt.Sprint(s.Errors), Micros(s.P50US), Micros(s.P95US),
				s.FirstSeen.Format("2006-01-02T15:04:05Z07:00"), s.LastSeen.Format("2006-01-02T15:04:05Z07:00"))
		} else {
			row = append(row, "-", "-", "-", "-", "-", "-")
		}
		row = append(row, termSafe(evidenceText(f.Evidence)))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(g.Unresolved) > 0 {
		fmt.Fprintf(w, "\nUnresolved (%d):\n", len(g.Unresolved))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  LOCATION\tSERVICE\tROLE\tEXPR\tREASON")
		for _, u := range g.Unresolved {
			reason := u.Reason
			if len(u.Candidates) > 0 {
				reason += " (candidates: " + strings.Join(u.Candidates, ", ") + ")"
			}
			fmt.Fprintf(tw, "  %s:%d\t%s\t%s\t%s\t%s\n", termSafe(u.File), u.Line, orDash(termSafe(u.Service)), termSafe(u.Role), termSafe(u.Expr), termSafe(reason))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(g.Diagnostics) > 0 {
		fmt.Fprintf(w, "\nDiagnostics (%d):\n", len(g.Diagnostics))
		for _, d := range g.Diagnostics {
			loc := d.Package
			if d.File != "" {
				loc = d.File
				if d.Line > 0 {
					loc = fmt.Sprintf("%s:%d", d.File, d.Line)
				}
			}
			if loc != "" {
				loc += ": "
			}
			msg := d.Message
			if d.Rule != "" && d.Rule != diff.StaleBaselineRule {
				msg = "[" + d.Rule + "] " + msg
			}
			if d.Baselined {
				msg += " (baselined)"
			}
			fmt.Fprintf(w, "  %s%s\n", termSafe(loc), termSafe(msg))
		}
	}
	if withStatus {
		fmt.Fprintf(w, "\n%s\n", diffSummary(diff.Count(g)))
	}
	return nil
}

// diffSummary is the last line of a diff's text: what it found, in words.
func diffSummary(c diff.Counts) string {
	s := fmt.Sprintf("%d converged, %d undeclared, %d type-mismatch, %d unobserved, %s",
		c.Converged, c.Undeclared, c.TypeMismatch, c.Unobserved, plural(int64(c.Rules), "rule violation"))
	if c.Unverified > 0 {
		s += fmt.Sprintf("; %d unverified (code failed to load)", c.Unverified)
	}
	if c.Baselined > 0 {
		s += fmt.Sprintf("; %d baselined", c.Baselined)
	}
	if c.StaleBaseline > 0 {
		s += "; " + plural(int64(c.StaleBaseline), "stale baseline entry")
	}
	return s + "."
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func channelText(f topology.Flow) string {
	c := f.Channel
	if f.System != "" {
		c = f.System + ":" + c
	}
	if f.Pattern {
		c += " (pattern)"
	}
	return c
}

func typeText(f topology.Flow) string {
	t := orDash(f.MessageType)
	if f.ReplyType != "" {
		t += " -> " + f.ReplyType
	}
	if f.ObservedType != "" {
		t += " (observed " + f.ObservedType + ")"
	}
	return t
}

// Micros formats a latency given in microseconds for people: 812µs, 2.3ms,
// 1.25s.
func Micros(us int64) string {
	switch {
	case us >= 1_000_000:
		return fmt.Sprintf("%.2fs", float64(us)/1e6)
	case us >= 1000:
		return fmt.Sprintf("%.1fms", float64(us)/1e3)
	default:
		return fmt.Sprintf("%dµs", us)
	}
}

func evidenceText(ev []topology.Evidence) string {
	if len(ev) == 0 {
		return "-"
	}
	parts := make([]string, len(ev))
	for i, e := range ev {
		parts[i] = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return strings.Join(parts, ",")
}
