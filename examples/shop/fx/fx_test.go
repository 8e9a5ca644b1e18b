package fx_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/fx"
	"github.com/tracegraph/tracegraph/examples/shop/fx/fxmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
)

func TestRates(t *testing.T) {
	w := shoptest.NewWorld(t)
	shoptest.Start(t, fx.New(w.Service(fx.Name), fx.StaticRates{"EUR": 1, "GBP": 0.8, "USD": 1.25}))
	get := channel.NewReqRepClient[fxmsg.GetRates, fxmsg.Rates](w.Service("pricing"), fxmsg.RatesChannel)
	tests := []struct {
		base    string
		quotes  []string
		want    map[string]float64
		wantErr string
	}{
		{"EUR", []string{"GBP", "USD"}, map[string]float64{"GBP": 0.8, "USD": 1.25}, ""},
		{"GBP", []string{"EUR", "USD"}, map[string]float64{"EUR": 1.25, "USD": 1.5625}, ""},
		{"USD", nil, map[string]float64{}, ""},
		{"EUR", []string{"GBP", "XAU"}, nil, `rate EUR/XAU: unknown currency "XAU"`},
		{"XAU", []string{"EUR"}, nil, `rate XAU/EUR: unknown currency "XAU"`},
	}
	for _, tt := range tests {
		t.Run(tt.base+"/"+strings.Join(tt.quotes, ","), func(t *testing.T) {
			got, err := get.Request(t.Context(), fxmsg.GetRates{Base: tt.base, Quotes: tt.quotes})
			if tt.wantErr != "" {
				var remote *channel.RemoteError
				if !errors.As(err, &remote) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want an fx error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Base != tt.base || len(got.Rates) != len(tt.want) {
				t.Fatalf("got %+v, want %v", got, tt.want)
			}
			for q, r := range tt.want {
				if math.Abs(got.Rates[q]-r) > 1e-9 {
					t.Errorf("%s/%s = %v, want %v", tt.base, q, got.Rates[q], r)
				}
			}
		})
	}
}
