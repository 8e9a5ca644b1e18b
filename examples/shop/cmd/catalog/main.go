package main

import (
	"context"
	"errors"
	"flag"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
)

func main() {
	var f shopcmd.Flags
	f.Register(flag.CommandLine)
	flag.Parse()
	shopcmd.Main("catalog", func(ctx context.Context) error { return run(ctx, &f) })
}

func run(ctx context.Context, f *shopcmd.Flags) (err error) {
	env, err := f.Open("catalog")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	svc := channel.NewService("catalog", env.Bus, env.Options...)
	return shopcmd.Run(ctx, catalog.New(svc, catalog.NewMemoryRepository()))
}
