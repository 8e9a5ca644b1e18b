package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopcmd"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi/merchantmsg"
)

func main() {
	var f shopcmd.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("listen", "127.0.0.1:8080", "HTTP address of the merchants' API")
	flag.Parse()
	shopcmd.Main("merchant-api", func(ctx context.Context) error { return run(ctx, &f, *addr) })
}

func run(ctx context.Context, f *shopcmd.Flags, addr string) (err error) {
	env, err := f.Open("merchant-api")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	svc := channel.NewService("merchant-api", env.Bus, env.Options...)
	api := merchantapi.New(svc, merchantapi.NewDirectory(demoMerchants()...))
	if err := api.Start(ctx); err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: api.Handler(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe() }()
	select {
	case err = <-done:
		err = fmt.Errorf("serve HTTP on %s: %w", addr, err)
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(shutdown)
	}
	return errors.Join(err, api.Close())
}

// demoMerchants are the merchants this binary knows; a real deployment
// would read them from its merchant database.
func demoMerchants() []merchantmsg.Contact {
	return []merchantmsg.Contact{
		{MerchantID: "4c5d6e7", Name: "Acme Outdoor", Email: "ops@acme-outdoor.example"},
		{MerchantID: "1a2b3c4", Name: "Bramble Books", Email: "hello@bramble-books.example"},
	}
}
