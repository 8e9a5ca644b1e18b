// Command staticgen writes a synthetic monorepo for measuring the static
// analysis: services that build their clients through shared library
// packages and pass them through helpers, plus ordinary packages around
// them, so that most of the load is code the analysis reads but finds
// nothing in.
//
//	go run ./bench/staticgen -out /tmp/mono -services 200 -packages 7
//
// The module replaces github.com/tracegraph/tracegraph with -repo, so it
// uses the real channel package.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to write the module into (required)")
	services := flag.Int("services", 200, "number of services (main packages)")
	perService := flag.Int("packages", 7, "ordinary packages per service")
	libs := flag.Int("libs", 100, "shared library packages that build and use clients")
	msgs := flag.Int("msgs", 100, "message packages")
	repo := flag.String("repo", ".", "the tracegraph repository root")
	module := flag.String("module", "example.com/mono", "the module path")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "staticgen: -out is required")
		os.Exit(2)
	}
	root, err := filepath.Abs(*repo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "staticgen:", err)
		os.Exit(2)
	}
	mod = *module
	g := &gen{out: *out, services: *services, perService: *perService, libs: *libs, msgs: *msgs}
	if err := g.write(root); err != nil {
		fmt.Fprintln(os.Stderr, "staticgen:", err)
		os.Exit(1)
	}
	fmt.Printf("staticgen: wrote %d packages to %s\n", g.count, *out)
}

// mod is the generated module's path (-module).
var mod string

type gen struct {
	out                              string
	services, perService, libs, msgs int
	count                            int
}

func (g *gen) file(rel, content string) error {
	p := filepath.Join(g.out, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if strings.HasSuffix(rel, ".go") && strings.Count(content, "\npackage ")+boolInt(strings.HasPrefix(content, "package ")) > 0 {
		g.count++
	}
	return os.WriteFile(p, []byte(content), 0o644)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (g *gen) write(repo string) error {
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		return err
	}
	if err := g.file("go.mod", fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire github.com/tracegraph/tracegraph v0.0.0\n\nreplace github.com/tracegraph/tracegraph => %s\n", mod, repo)); err != nil {
		return err
	}
	// The repository's go.sum covers every module the channel package needs.
	if err := os.WriteFile(filepath.Join(g.out, "go.sum"), sum, 0o644); err != nil {
		return err
	}
	for m := 0; m < g.msgs; m++ {
		if err := g.file(fmt.Sprintf("msgs/m%03d/m.go", m), msgsPkg(m)); err != nil {
			return err
		}
	}
	for l := 0; l < g.libs; l++ {
		if err := g.file(fmt.Sprintf("lib/l%03d/l.go", l), libPkg(l)); err != nil {
			return err
		}
	}
	for s := 0; s < g.services; s++ {
		for p := 0; p < g.perService; p++ {
			if err := g.file(fmt.Sprintf("svc/s%03d/p%02d/p.go", s, p), plainPkg(s, p, g.perService)); err != nil {
				return err
			}
		}
		if err := g.file(fmt.Sprintf("svc/s%03d/app/app.go", s), appPkg(s, g)); err != nil {
			return err
		}
		if err := g.file(fmt.Sprintf("cmd/s%03d/main.go", s), mainPkg(s)); err != nil {
			return err
		}
	}
	return nil
}

func msgsPkg(m int) string {
	return fmt.Sprintf(`package m%03d

// Channel is where Event%03d travels.
const Channel = "events.m%03d"

const prefix = "commands."

// CommandChannel is where Command%03d is served.
const CommandChannel = prefix + "m%03d"

type Event%03d struct {
	ID    string
	Value int
}

type Command%03d struct{ ID string }

type Reply%03d struct{ OK bool }
`, m, m, m, m, m, m, m, m)
}

// libPkg builds clients for its callers and hands them through helpers.
func libPkg(l int) string {
	return fmt.Sprintf(`package l%03d

import (
	"context"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
)

// Publisher wraps a client built here for the caller's service.
type Publisher[T any] struct {
	pub *channel.PubClient[T]
	n   int
}

func NewPublisher[T any](svc *channel.Service, ch string) *Publisher[T] {
	return &Publisher[T]{pub: channel.NewPubClient[T](svc, ch)}
}

func (p *Publisher[T]) Emit(ctx context.Context, v T) error {
	p.n++
	return emit(ctx, p.pub, v)
}

func emit[T any](ctx context.Context, pub *channel.PubClient[T], v T) error {
	if err := pub.Publish(ctx, v); err != nil {
		return fmt.Errorf("l%03d: %%w", err)
	}
	return nil
}

// Listen subscribes h on ch for svc.
func Listen[T any](ctx context.Context, svc *channel.Service, ch string, h func(context.Context, channel.Envelope[T]) error) error {
	_, err := channel.NewSubClient[T](svc, ch).Subscribe(ctx, h)
	return err
}

// Ask sends one request on ch.
func Ask[Req, Rep any](ctx context.Context, svc *channel.Service, ch string, req Req) (Rep, error) {
	return channel.NewReqRepClient[Req, Rep](svc, ch).Request(ctx, req)
}
`, l, l)
}

// plainPkg is ordinary code: types, functions, a chain of imports.
func plainPkg(s, p, n int) string {
	imp := ""
	use := ""
	if p+1 < n {
		imp = fmt.Sprintf("\n\tnext %q", fmt.Sprintf("%s/svc/s%03d/p%02d", mod, s, p+1))
		use = "\n\t_ = next.Sum([]int{1, 2})"
	}
	return fmt.Sprintf(`package p%02d

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"%s
)

type Record struct {
	Name  string   `+"`json:\"name\"`"+`
	Tags  []string `+"`json:\"tags\"`"+`
	Count int      `+"`json:\"count\"`"+`
}

func (r Record) String() string { return fmt.Sprintf("%%s(%%d)", r.Name, r.Count) }

func Sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

func Normalize(rs []Record) ([]byte, error) {
	for i := range rs {
		rs[i].Name = strings.ToLower(strings.TrimSpace(rs[i].Name))
		sort.Strings(rs[i].Tags)
	}%s
	sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
	return json.Marshal(rs)
}
`, p, imp, use)
}

// appPkg is a service's logic: clients from two libraries, one kept in a
// struct field, a handler as a method value, a request through a helper.
func appPkg(s int, g *gen) string {
	m1, m2, m3 := s%g.msgs, (s+1)%g.msgs, (s+7)%g.msgs
	l1, l2 := s%g.libs, (s+3)%g.libs
	return fmt.Sprintf(`package app

import (
	"context"

	"github.com/tracegraph/tracegraph/channel"
	a %q
	b %q
	m1 %q
	m2 %q
	m3 %q
	p00 %q
)

type App struct {
	svc *channel.Service
	out *a.Publisher[m1.Event%03d]
}

func New(svc *channel.Service) *App {
	return &App{svc: svc, out: a.NewPublisher[m1.Event%03d](svc, m1.Channel)}
}

func (x *App) Start(ctx context.Context) error {
	if err := b.Listen(ctx, x.svc, m2.Channel, x.onEvent); err != nil {
		return err
	}
	return nil
}

func (x *App) onEvent(ctx context.Context, env channel.Envelope[m2.Event%03d]) error {
	_ = p00.Sum([]int{env.Payload.Value})
	if _, err := b.Ask[m3.Command%03d, m3.Reply%03d](ctx, x.svc, m3.CommandChannel, m3.Command%03d{ID: env.Payload.ID}); err != nil {
		return err
	}
	return x.out.Emit(ctx, m1.Event%03d{ID: env.Payload.ID})
}

// Serve answers this service's own commands.
func Serve(ctx context.Context, svc *channel.Service) error {
	srv := channel.NewReqRepServer[m1.Command%03d, m1.Reply%03d](svc, m1.CommandChannel)
	_, err := srv.Serve(ctx, func(ctx context.Context, env channel.Envelope[m1.Command%03d]) (m1.Reply%03d, error) {
		return m1.Reply%03d{OK: true}, nil
	})
	return err
}
`, fmt.Sprintf("%s/lib/l%03d", mod, l1), fmt.Sprintf("%s/lib/l%03d", mod, l2),
		fmt.Sprintf("%s/msgs/m%03d", mod, m1), fmt.Sprintf("%s/msgs/m%03d", mod, m2), fmt.Sprintf("%s/msgs/m%03d", mod, m3),
		fmt.Sprintf("%s/svc/s%03d/p00", mod, s),
		m1, m1, m2, m3, m3, m3, m1, m1, m1, m1, m1, m1)
}

func mainPkg(s int) string {
	return fmt.Sprintf(`package main

import (
	"context"

	"github.com/tracegraph/tracegraph/channel"
	"%s/svc/s%03d/app"
)

func main() {
	ctx := context.Background()
	svc := channel.NewService("s%03d", channel.NewMemoryBus())
	if err := app.New(svc).Start(ctx); err != nil {
		panic(err)
	}
	if err := app.Serve(ctx, svc); err != nil {
		panic(err)
	}
}
`, mod, s, s)
}
