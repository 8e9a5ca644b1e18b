package main

import (
	"context"
	"errors"
	"flag"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
	"github.com/tracegraph/tracegraph/examples/shop/inventory"
)

func main() {
	var f shopcmd.Flags
	f.Register(flag.CommandLine)
	debugTap := flag.Bool("debug-tap", false, "copy failed adjustments to the debug tap")
	flag.Parse()
	shopcmd.Main("inventory", func(ctx context.Context) error { return run(ctx, &f, *debugTap) })
}

func run(ctx context.Context, f *shopcmd.Flags, debugTap bool) (err error) {
	env, err := f.Open("inventory")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	svc := channel.NewService(inventory.Name, env.Bus, env.Options...)
	return shopcmd.Run(ctx, inventory.New(svc, inventory.NewMemoryStore(), debugTap))
}
