// Case: a client stored in a struct field and used in a method.
package main

import (
	"context"

	"example.com/corpus/fieldsvc"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("field-svc", channel.NewMemoryBus())
	h := fieldsvc.NewHandler(svc)
	_ = h.Handle(context.Background())
}
