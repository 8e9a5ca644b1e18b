package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
)

// DefaultFile is read from the working directory when no --config is given.
const DefaultFile = "tracegraph.yaml"

// Config is the content of tracegraph.yaml.
type Config struct {
	// Services maps packages to service names, aliases and teams.
	Services []ServiceRule `yaml:"services"`
	// Recognizers teach the static analyzer other channel APIs.
	Recognizers []Recognizer `yaml:"recognizers"`
	// Baseline is the file of accepted differences, relative to the config.
	Baseline string `yaml:"baseline"`
	// Rules are forbidden, required and allowed flows.
	Rules Rules `yaml:"rules"`
	// Spans configures the span importers.
	Spans Spans `yaml:"spans"`
	// Presets are the questions `tracegraph serve` offers one click away
	// on its events page.
	Presets []Preset `yaml:"presets"`
	// Render configures the pictures.
	Render Render `yaml:"render"`

	// Path is where the config was read from; empty for the zero config.
	Path string `yaml:"-"`
}

// ServiceRule names the service that a package (a path.Match glob, or a
// prefix ending in /...) belongs to, and the HTTP hosts that address it.
type ServiceRule struct {
	Package string   `yaml:"package"`
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
	Team    string   `yaml:"team"`
	// Hosts are the hosts ("inventory-svc", "localhost:8081") and base
	// URLs ("http://gw:8080/inventory") HTTP clients reach this service
	// at; a host with no port matches any port.
	Hosts []string `yaml:"hosts"`
}

// Rules are architecture rules over flows.
type Rules struct {
	// Forbidden flows are violations wherever they appear.
	Forbidden []FlowRule `yaml:"forbidden"`
	// Required flows are violations when absent.
	Required []FlowRule `yaml:"required"`
	// Allowed, when not empty, makes every flow that matches none of them a
	// violation.
	Allowed []FlowRule `yaml:"allowed"`
}

// FlowRule matches flows. Every field is a path.Match glob; empty matches
// anything.
type FlowRule struct {
	ID          string `yaml:"id"`
	From        string `yaml:"from"`
	To          string `yaml:"to"`
	Channel     string `yaml:"channel"`
	MessageType string `yaml:"message_type"`
	Reason      string `yaml:"reason"`
}

// Spans configures the span importers.
type Spans struct {
	// MessageTypeAttribute is the span attribute that names the message
	// type, where the data has one.
	MessageTypeAttribute string `yaml:"message_type_attribute"`
}

// Render configures how SVG and PNG are drawn.
type Render struct {
	// Graphviz is the native Graphviz dot to draw with: a path (relative
	// to the config file) or a command name looked up in PATH. Empty looks
	// up "dot"; --graphviz overrides it.
	Graphviz string `yaml:"graphviz"`
}

// GraphvizPath is render.graphviz with a relative path resolved against the
// config's directory; a bare command name is left to the PATH lookup.
func (c *Config) GraphvizPath() string {
	g := c.Render.Graphviz
	if g == "" || filepath.IsAbs(g) || c.Path == "" || !strings.ContainsRune(filepath.ToSlash(g), '/') {
		return g
	}
	return filepath.Join(filepath.Dir(c.Path), g)
}

// Preset is a question of a system's own, such as "failed inventory
// updates for merchant 4c5d6e7": a label, and the events page's filters
// that answer it.
type Preset struct {
	Label  string       `yaml:"label"`
	Events EventsFilter `yaml:"events"`
}

// EventsFilter is the filters of `tracegraph events` and of the events
// page. Empty fields do not filter.
type EventsFilter struct {
	Service     string `yaml:"service"`
	Type        string `yaml:"type"`
	Status      string `yaml:"status"`
	Operation   string `yaml:"operation"`
	Channel     string `yaml:"channel"`
	MessageType string `yaml:"message_type"`
	TraceID     string `yaml:"trace_id"`
	// Since and Until are RFC 3339 times, dates or ages (24h, 7d).
	Since string `yaml:"since"`
	Until string `yaml:"until"`
	// Where are key=value tags every event must carry.
	Where []string `yaml:"where"`
	// Limit is at most how many events to show, 0 for the page's default.
	Limit int `yaml:"limit"`
}

// Values is the filter as the parameters of the events page and of
// /api/events.
func (f EventsFilter) Values() url.Values {
	v := url.Values{}
	for _, p := range []struct{ name, value string }{
		{"service", f.Service}, {"type", f.Type}, {"status", f.Status}, {"operation", f.Operation},
		{"channel", f.Channel}, {"message_type", f.MessageType}, {"trace_id", f.TraceID},
		{"since", f.Since}, {"until", f.Until},
	} {
		if p.value != "" {
			v.Set(p.name, p.value)
		}
	}
	for _, w := range f.Where {
		v.Add("where", w)
	}
	if f.Limit != 0 {
		v.Set("limit", fmt.Sprint(f.Limit))
	}
	return v
}

// Load reads the config at path. With path empty it reads DefaultFile if it
// exists and returns the zero config otherwise.
func Load(path string) (*Config, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a config; name is used in errors.
func Parse(name string, data []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("config %s: %s", name, oneLine(err))
	}
	c.Path = name
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return &c, nil
}

// oneLine turns go-yaml's multi-line, source-quoting error into "line N:
// message", which is what a terminal and a CI log want.
func oneLine(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		msg := ye.GetMessage()
		if tok := ye.GetToken(); tok != nil && tok.Position != nil {
			return fmt.Sprintf("line %d: %s", tok.Position.Line, msg)
		}
		return msg
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func (c *Config) validate() error {
	for i := range c.Recognizers {
		if err := c.Recognizers[i].Validate(); err != nil {
			return fmt.Errorf("recognizers[%d]: %w", i, err)
		}
	}
	for i, s := range c.Services {
		if s.Name == "" || s.Package == "" && len(s.Hosts) == 0 {
			return fmt.Errorf("services[%d]: name and a package or hosts are required", i)
		}
		for _, h := range s.Hosts {
			if err := checkHost(h); err != nil {
				return fmt.Errorf("services[%d]: hosts: %v", i, err)
			}
		}
		if s.Package == "" {
			continue
		}
		if _, err := path.Match(strings.TrimSuffix(s.Package, "/..."), ""); err != nil {
			return fmt.Errorf("services[%d]: bad package pattern %q: %v", i, s.Package, err)
		}
	}
	for kind, rules := range map[string][]FlowRule{"forbidden": c.Rules.Forbidden, "required": c.Rules.Required, "allowed": c.Rules.Allowed} {
		for i, r := range rules {
			for _, g := range []string{r.From, r.To, r.Channel, r.MessageType} {
				if _, err := path.Match(g, ""); err != nil {
					return fmt.Errorf("rules.%s[%d]: bad pattern %q: %v", kind, i, g, err)
				}
			}
		}
	}
	for i, p := range c.Presets {
		if err := p.validate(); err != nil {
			return fmt.Errorf("presets[%d]: %w", i, err)
		}
	}
	return nil
}

// maxEventsLimit is the most events the events page asks for at once.
const maxEventsLimit = 10000

func (p Preset) validate() error {
	if strings.TrimSpace(p.Label) == "" {
		return errors.New("label is required")
	}
	if len(p.Events.Values()) == 0 {
		return fmt.Errorf("%q: events needs at least one filter", p.Label)
	}
	for _, w := range p.Events.Where {
		if k, _, ok := strings.Cut(w, "="); !ok || k == "" {
			return fmt.Errorf("%q: bad where %q (want key=value)", p.Label, w)
		}
	}
	if p.Events.Limit < 0 || p.Events.Limit > maxEventsLimit {
		return fmt.Errorf("%q: limit %d is not from 1 to %d", p.Label, p.Events.Limit, maxEventsLimit)
	}
	return nil
}

// checkHost accepts a host, host:port, or an absolute http(s) URL.
func checkHost(h string) error {
	if strings.Contains(h, "://") {
		u, err := url.Parse(h)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("%q is not an http(s) base URL", h)
		}
		return nil
	}
	if h == "" || strings.ContainsAny(h, "/ ?#") {
		return fmt.Errorf("%q is not a host or host:port", h)
	}
	return nil
}

// ServiceForURL returns the rule whose hosts address an HTTP URL's host
// (and, for a base URL, whose path it starts with), or nil, and the base
// path matched ("" for a host). A base URL wins over a bare host, a longer
// base over a shorter one.
func (c *Config) ServiceForURL(u *url.URL) (*ServiceRule, string) {
	var best *ServiceRule
	bestLen, basePath := -1, ""
	for i := range c.Services {
		for _, h := range c.Services[i].Hosts {
			if n, base := hostMatch(h, u); n > bestLen {
				best, bestLen, basePath = &c.Services[i], n, base
			}
		}
	}
	return best, basePath
}

// hostMatch reports how well host entry h matches u: -1 not at all, 0 a
// host with no port, 1 host and port, more for a base URL (its length),
// and a base URL's path.
func hostMatch(h string, u *url.URL) (int, string) {
	if strings.Contains(h, "://") {
		b, err := url.Parse(h)
		if err != nil || !strings.EqualFold(b.Host, u.Host) && (b.Port() != "" || !strings.EqualFold(b.Hostname(), u.Hostname())) {
			return -1, "" // a base URL without a port matches any port, as a host does
		}
		base := strings.TrimSuffix(b.Path, "/")
		if u.Path != base && !strings.HasPrefix(u.Path, base+"/") {
			return -1, ""
		}
		return 2 + len(h), base
	}
	switch {
	case strings.EqualFold(h, u.Host):
		return 1, ""
	case !strings.Contains(h, ":") && strings.EqualFold(h, u.Hostname()):
		return 0, ""
	}
	return -1, ""
}

// BaselinePath is the baseline file resolved against the config's directory.
func (c *Config) BaselinePath() string {
	if c.Baseline == "" || filepath.IsAbs(c.Baseline) || c.Path == "" {
		return c.Baseline
	}
	return filepath.Join(filepath.Dir(c.Path), c.Baseline)
}

// ServiceFor returns the rule that names the service of a package, or nil.
// The first matching rule wins, so specific rules go first.
func (c *Config) ServiceFor(pkgPath string) *ServiceRule {
	for i := range c.Services {
		if MatchPackage(c.Services[i].Package, pkgPath) {
			return &c.Services[i]
		}
	}
	return nil
}

// MatchPackage matches a package path against a pattern: a path.Match glob,
// or a prefix followed by "/..." as in the go command.
func MatchPackage(pattern, pkgPath string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		if pkgPath == prefix || strings.HasPrefix(pkgPath, prefix+"/") {
			return true
		}
		ok, _ := path.Match(prefix, pkgPath)
		return ok
	}
	ok, _ := path.Match(pattern, pkgPath)
	return ok
}

// Aliases maps every runtime alias to its static service name.
func (c *Config) Aliases() map[string]string {
	m := map[string]string{}
	for _, s := range c.Services {
		for _, a := range s.Aliases {
			m[a] = s.Name
		}
	}
	return m
}

// Teams maps service names to teams.
func (c *Config) Teams() map[string]string {
	m := map[string]string{}
	for _, s := range c.Services {
		if s.Team != "" {
			m[s.Name] = s.Team
		}
	}
	return m
}
