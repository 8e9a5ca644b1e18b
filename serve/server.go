package serve

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/tracegraph/tracegraph/topology"
)

// Options configure a Server.
type Options struct {
	// Backend holds the events. Required.
	Backend Backend
	// Declared is the declared graph; with it and Compare the server also
	// answers /api/diff, and the pages show the diff by default.
	Declared *topology.Graph
	// Compare makes the diff of the declared and an observed graph.
	Compare func(declared, observed *topology.Graph) *topology.Graph
	// Describe says in a few words where the events come from, for the
	// page header ("examples/shop/events.jsonl"). A password never goes here.
	Describe string
	// AllowedHosts, when set, are the only host names a request may name
	// in its Host header. A server on the loopback interface sets it to the
	// loopback names so that a web page elsewhere cannot reach the API by
	// rebinding its own DNS name to 127.0.0.1.
	AllowedHosts []string
	// Logger receives the failures of the backend (each also answered as
	// a 500); nil discards them.
	Logger *slog.Logger
	// Now is the clock that relative windows (since=24h) count back from;
	// nil is time.Now.
	Now func() time.Time
	// Presets are the questions of this system that the events page offers
	// one click away (tracegraph.yaml's presets). The page adds a few that
	// fit any system.
	Presets []Preset
	// MaxActive is how many requests read the store at once (default
	// DefaultMaxActive()); MaxQueued how many more wait for a turn (default
	// DefaultMaxQueued), each at most QueueWait (default 10 s). A request
	// past those is answered 503 with Retry-After.
	MaxActive, MaxQueued int
	QueueWait            time.Duration
}

// The defaults of the gate in front of the store. The file index answers
// on the CPU, so more requests at once than CPUs only hold more answers in
// memory; a database waits on the network, so a few more are let through.
const DefaultMaxQueued = 128

// DefaultMaxActive is twice the CPUs Go may use, and at least 4.
func DefaultMaxActive() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// Preset is a question the events page answers in one click.
type Preset struct {
	// Label is what the page shows: "Failed inventory updates for
	// merchant 4c5d6e7".
	Label string
	// Query is the events page's parameters, which are those of
	// /api/events: service=inventory&status=error&where=merchant_id=4c5d6e7.
	Query url.Values
}

// ErrBadPreset is what New's error wraps when a preset's query is one
// /api/events would refuse.
var ErrBadPreset = errors.New("bad preset")

// Server answers the API and serves the pages. It is read-only: every
// route is GET (or HEAD).
type Server struct {
	opt    Options
	assets fs.FS
	mux    *http.ServeMux
	gate   *gate
}

// New returns a Server over opt.
func New(opt Options) (*Server, error) {
	if opt.Backend == nil {
		return nil, errors.New("serve: no backend")
	}
	if (opt.Declared == nil) != (opt.Compare == nil) {
		return nil, errors.New("serve: Declared and Compare go together")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.MaxActive = cmp.Or(opt.MaxActive, DefaultMaxActive())
	opt.MaxQueued = cmp.Or(opt.MaxQueued, DefaultMaxQueued)
	opt.QueueWait = cmp.Or(opt.QueueWait, 10*time.Second)
	for _, p := range opt.Presets {
		if strings.TrimSpace(p.Label) == "" {
			return nil, fmt.Errorf("serve: %w: no label", ErrBadPreset)
		}
		q, err := checkParams(p.Query, eventsParams...)
		if err == nil {
			_, _, err = eventsFilter(q, opt.Now())
		}
		if err != nil {
			return nil, fmt.Errorf("serve: %w %q: %v", ErrBadPreset, p.Label, err)
		}
	}
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, fmt.Errorf("serve: embedded assets: %w", err)
	}
	s := &Server{opt: opt, assets: assets, mux: http.NewServeMux(), gate: newGate(opt.MaxActive, opt.MaxQueued, opt.QueueWait)}
	s.mux.HandleFunc("GET /api/info", s.handleInfo)
	s.mux.HandleFunc("GET /api/graph", s.gated(s.handleGraph))
	s.mux.HandleFunc("GET /api/diff", s.gated(s.handleDiff))
	s.mux.HandleFunc("GET /api/events", s.gated(s.handleEvents))
	s.mux.HandleFunc("GET /api/flow/traces", s.gated(s.handleFlowTraces))
	s.mux.HandleFunc("GET /api/trace/{id}", s.gated(s.handleTrace))
	s.mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no API route %s %s", r.Method, r.URL.Path))
	})
	s.mux.Handle("GET /", s.pages())
	return s, nil
}

// gated runs h holding one of the gate's slots (see gate).
func (s *Server) gated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.gate.enter(r.Context()); err != nil {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		defer s.gate.leave()
		h(w, r)
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The pages load only their own scripts: even if some text from the
	// data were ever parsed as markup, no script of it would run.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !s.hostAllowed(r.Host) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("host %q is not served here; use the address tracegraph serve printed", r.Host))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s: the explorer is read-only (GET only)", r.Method))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) hostAllowed(hostport string) bool {
	if len(s.opt.AllowedHosts) == 0 {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	for _, a := range s.opt.AllowedHosts {
		if strings.EqualFold(a, host) {
			return true
		}
	}
	return false
}

// pages serves the embedded single-page app: its files by name, and
// index.html for "/" (the pages route by the URL fragment). The files have
// no version in their names, so a browser must revalidate them: a newer
// binary then never runs with an older page.
func (s *Server) pages() http.Handler {
	files := http.FileServerFS(s.assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
