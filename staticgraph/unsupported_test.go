package staticgraph

import (
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestUnsupportedDiags: one diagnostic per library no pack describes, at
// its first importer by path with the count of importers; a module path's
// major versions count, a longer name does not, a package that also
// imports a described library counts only for routes, and a recognizer
// for the library silences it.
func TestUnsupportedDiags(t *testing.T) {
	pkg := func(path string, imports ...string) *packages.Package {
		p := &packages.Package{PkgPath: path, Imports: map[string]*packages.Package{}}
		for _, i := range imports {
			p.Imports[i] = &packages.Package{PkgPath: i}
		}
		return p
	}
	pkgs := []*packages.Package{
		pkg("example.com/shop/orders", "github.com/rabbitmq/amqp091-go", "fmt"),
		pkg("example.com/shop/billing", "github.com/rabbitmq/amqp091-go"),
		pkg("example.com/shop/web", "github.com/labstack/echo/v4"),
		pkg("example.com/shop/misc", "github.com/labstack/echoes"),
		// Configures a Watermill adapter, whose messages the pack reads.
		pkg("example.com/shop/adapter", "github.com/rabbitmq/amqp091-go", "github.com/ThreeDotsLabs/watermill/message"),
		pkg("example.com/shop/sse", "github.com/labstack/echo/v4", "github.com/ThreeDotsLabs/watermill/message"),
	}
	packs := map[string]bool{"github.com/ThreeDotsLabs/watermill/message": true}
	got := unsupportedDiags(pkgs, packs)
	if len(got) != 2 {
		t.Fatalf("got %d diagnostics, want 2 (amqp091-go, echo): %+v", len(got), got)
	}
	if got[0].Package != "example.com/shop/billing" || !strings.Contains(got[0].Message, "2 package(s) import github.com/rabbitmq/amqp091-go") {
		t.Errorf("RabbitMQ: %+v", got[0])
	}
	if got[1].Package != "example.com/shop/sse" || !strings.Contains(got[1].Message, "2 package(s) import github.com/labstack/echo,") {
		t.Errorf("echo: %+v", got[1])
	}
	packs["github.com/rabbitmq/amqp091-go"] = true
	if got := unsupportedDiags(pkgs, packs); len(got) != 1 || strings.Contains(got[0].Message, "amqp") {
		t.Errorf("with a RabbitMQ recognizer: %+v, want only echo's", got)
	}
}
