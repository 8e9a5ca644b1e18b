package render

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// termSafe writes what a terminal would act on as visible escapes: the C0
// and C1 control characters (ESC, BEL, a newline or tab in a name), DEL,
// the bidirectional overrides and isolates that reorder what follows, and
// bytes that are not UTF-8. Names come from code and from events, which an
// attacker may write; a table must show them, not run them.
func termSafe(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafeRune(r) {
			return true
		}
		i += n
	}
	return false
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// mdCode writes s as a Markdown code span that s cannot leave: its control
// characters escaped (a newline would end the list item), and fenced by
// more backticks than the longest run inside it, with spaces where s starts
// or ends with one, as CommonMark reads code spans.
func mdCode(s string) string {
	s = termSafe(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// mdText escapes s for Markdown prose in the middle of a line (a list
// item's text): control characters made visible, so that it cannot start a
// line of its own, and the characters that open emphasis, links, code,
// tables or HTML there written with a backslash or as an entity.
func mdText(s string) string {
	s = termSafe(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
