package topology

import (
	"fmt"
	"slices"
	"strings"
)

// nearMissSubject starts the Subject of a near-miss diagnostic. Merge drops
// the ones its graphs carry and finds them anew from all the flows, as it
// does the duplicate-service ones: two graphs' unpaired ends may pair once
// merged.
const nearMissSubject = "near miss: "

// nearMisses returns a diagnostic for each unpaired sending end and
// unpaired receiving end of one kind and system whose channels look like
// one name written two ways: the same words in another order or case
// (validation-product-response, product-validation-response), or a gRPC
// method of the same package and name under two service names (a
// generated stub older than its .proto). Such pairs have been typos in
// real systems; what they say is a question, not a flow.
func nearMisses(flows []Flow) []Diagnostic {
	var senders, receivers []Flow
	for _, f := range flows {
		switch {
		case f.Pattern || f.System == SystemHTTP:
		case f.From != "" && f.To == "":
			senders = append(senders, f)
		case f.From == "" && f.To != "":
			receivers = append(receivers, f)
		}
	}
	// Receivers by the keys of their names, so that each sender looks up
	// its few candidates instead of comparing itself with every receiver.
	byKey := map[string][]int{}
	for i, r := range receivers {
		for _, k := range nearKeys(r.Channel) {
			byKey[k] = append(byKey[k], i)
		}
	}
	var out []Diagnostic
	for _, s := range senders {
		var seen []int
		for _, k := range nearKeys(s.Channel) {
			for _, i := range byKey[k] {
				if !slices.Contains(seen, i) {
					seen = append(seen, i)
				}
			}
		}
		for _, i := range seen {
			r := receivers[i]
			if s.Kind != r.Kind || !SystemsMatch(s.System, r.System) || s.Channel == r.Channel {
				continue
			}
			send, recv, sender := "publish", "subscriber", "publisher"
			if s.Kind == KindReqRep {
				send, recv, sender = "request", "server", "caller"
			}
			d := Diagnostic{Subject: nearMissSubject + s.Channel + " ~ " + r.Channel, Message: fmt.Sprintf(
				"%s %s by %s has no %s, and %s of %s has no %s: one name written two ways?",
				send, s.Channel, s.From, recv, r.Channel, r.To, sender)}
			if len(s.Evidence) > 0 {
				d.File, d.Line = s.Evidence[0].File, s.Evidence[0].Line
			}
			out = append(out, d)
		}
	}
	return out
}

// nearKeys are the keys under which two channel names look like one:
// the same words, or the same gRPC package and method. A path (a
// Watermill HTTP subscriber's "/webhooks") and a topic ("webhooks") are
// two kinds of name, not one misspelt, so the words key says which it is.
func nearKeys(name string) []string {
	kind := "topic "
	if strings.HasPrefix(name, "/") {
		kind = "path "
	}
	keys := []string{kind + words(name)}
	if pkg, method, ok := grpcParts(name); ok && pkg != "" {
		keys = append(keys, "grpc "+pkg+" "+method)
	}
	return keys
}

// words is a name's words, lower case, sorted, one space apart.
func words(name string) string {
	ws := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return strings.ContainsRune(".-_/: ", r) })
	slices.Sort(ws)
	return strings.Join(ws, " ")
}

// grpcParts splits a full gRPC method name, /pkg.Service/Method, into its
// package and method.
func grpcParts(name string) (pkg, method string, ok bool) {
	rest, ok := strings.CutPrefix(name, "/")
	if !ok {
		return "", "", false
	}
	service, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	if i := strings.LastIndexByte(service, '.'); i >= 0 {
		pkg = service[:i]
	}
	return pkg, method, true
}
