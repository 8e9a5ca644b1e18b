package channel_test

import (
	"go/types"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/tracegraph/tracegraph/channel"
)

// Types and variables for TestMessageTypeOf: the test compares what
// MessageTypeOf says of each variable's type with what go/types prints for
// it, loading this very file.
type (
	Item                                   struct{}
	Box[T any]                             struct{ V T }
	Pair[K comparable, V any]              struct{}
	Matrix[T interface{ ~int | ~float64 }] [][]T
)

var (
	tcNamed    Item
	tcPointer  *Item
	tcSlice    []Item
	tcArray    [3]Item
	tcMap      map[string]*Item
	tcGeneric  Box[Item]
	tcGeneric2 Pair[string, *Item]
	tcNested   Box[Pair[int, []Box[Item]]]
	tcInMap    map[Item]Box[Pair[bool, Item]]
	tcBasic    int
	tcStdlib   time.Duration
	tcStdGen   Box[time.Time]
	tcMatrix   Matrix[float64]
	tcChan     chan (<-chan int)
	tcSendChan chan<- Item
	tcFunc     func(int, ...string) (bool, error)
	tcFunc1    func() Item
	tcStruct   struct {
		A    int `json:"a"`
		Item     // embedded
	}
	tcError error
)

func nameOf[T any](*T) string { return channel.MessageTypeOf[T]() }

func TestMessageTypeOf(t *testing.T) {
	if testing.Short() {
		t.Skip("loads and type-checks the package from source")
	}
	got := map[string]string{
		"tcNamed": nameOf(&tcNamed), "tcPointer": nameOf(&tcPointer), "tcSlice": nameOf(&tcSlice),
		"tcArray": nameOf(&tcArray), "tcMap": nameOf(&tcMap), "tcGeneric": nameOf(&tcGeneric),
		"tcGeneric2": nameOf(&tcGeneric2), "tcNested": nameOf(&tcNested), "tcInMap": nameOf(&tcInMap),
		"tcBasic": nameOf(&tcBasic), "tcStdlib": nameOf(&tcStdlib), "tcStdGen": nameOf(&tcStdGen),
		"tcMatrix": nameOf(&tcMatrix), "tcChan": nameOf(&tcChan), "tcSendChan": nameOf(&tcSendChan),
		"tcFunc": nameOf(&tcFunc), "tcFunc1": nameOf(&tcFunc1), "tcStruct": nameOf(&tcStruct),
		"tcError": nameOf(&tcError),
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax, Tests: true}
	pkgs, err := packages.Load(cfg, "github.com/tracegraph/tracegraph/channel")
	if err != nil {
		t.Fatal(err)
	}
	var scope *types.Scope
	for _, p := range pkgs {
		if p.PkgPath == "github.com/tracegraph/tracegraph/channel_test" {
			if len(p.Errors) > 0 {
				t.Fatalf("loading %s: %v", p.ID, p.Errors)
			}
			scope = p.Types.Scope()
		}
	}
	if scope == nil {
		t.Fatal("the external test package was not loaded")
	}
	for name, gotName := range got {
		obj := scope.Lookup(name)
		if obj == nil {
			t.Errorf("%s not found", name)
			continue
		}
		want := types.TypeString(obj.Type(), nil)
		if gotName != want {
			t.Errorf("%s: MessageTypeOf = %q, go/types prints %q", name, gotName, want)
		}
	}
	if want := "github.com/tracegraph/tracegraph/channel_test.Item"; got["tcNamed"] != want || !strings.HasPrefix(got["tcNested"], "github.com/tracegraph/tracegraph/channel_test.Box[") {
		t.Errorf("sanity: %q %q", got["tcNamed"], got["tcNested"])
	}
}
