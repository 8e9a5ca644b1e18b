package main

import (
	"context"
	"errors"
	"flag"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/fx"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
)

func main() {
	var f shopcmd.Flags
	f.Register(flag.CommandLine)
	flag.Parse()
	shopcmd.Main("fx", func(ctx context.Context) error { return run(ctx, &f) })
}

func run(ctx context.Context, f *shopcmd.Flags) (err error) {
	env, err := f.Open("fx")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	svc := channel.NewService(fx.Name, env.Bus, env.Options...)
	return shopcmd.Run(ctx, fx.New(svc, fx.ReferenceRates()))
}
