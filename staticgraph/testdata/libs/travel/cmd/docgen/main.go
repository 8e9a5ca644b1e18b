// Command docgen documents the relay by reflection: it holds relays of
// every service as any and calls their methods through reflect. It is
// no service and makes no flows.
package main

import (
	"fmt"
	"reflect"

	"example.com/libs/travel/relay"
)

func main() {
	for _, v := range []any{&relay.Relay{Subject: "east.events"}, &relay.Relay{Subject: "west.events"}} {
		t := reflect.TypeOf(v)
		for i := 0; i < t.NumMethod(); i++ {
			fmt.Println(t.Method(i).Name)
		}
		if m := reflect.ValueOf(v).MethodByName("Forward"); m.IsValid() {
			fmt.Println("can forward:", m.Type())
		}
	}
}
