package main

import (
	"context"
	"errors"
	"flag"
	"os"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
	"github.com/tracegraph/tracegraph/examples/shop/notifications"
)

func main() {
	var f shopcmd.Flags
	f.Register(flag.CommandLine)
	var cfg notifications.Config
	flag.IntVar(&cfg.LowStock, "low-stock", 5, "tell merchants when fewer units than this are left")
	flag.StringVar(&cfg.OnCall, "on-call", "", "page this address about debug-tap failures (default: pager off)")
	flag.Parse()
	shopcmd.Main("notifications", func(ctx context.Context) error { return run(ctx, &f, cfg) })
}

func run(ctx context.Context, f *shopcmd.Flags, cfg notifications.Config) (err error) {
	env, err := f.Open("notifications")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	svc := channel.NewService("notifications", env.Bus, env.Options...)
	return shopcmd.Run(ctx, notifications.New(svc, notifications.NewTextMailer(os.Stdout), cfg))
}
