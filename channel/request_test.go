package channel_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

// TestRequestFailures: every way a request can fail ends with a clear
// error, recorded on the request event, and never hangs.
func TestRequestFailures(t *testing.T) {
	tests := []struct {
		name string
		// serve, when set, starts a server for the channel; its handler
		// gets a channel that is closed when the handler's ctx ends.
		serve   func(ctx context.Context, env channel.Envelope[Ping], handlerDone chan<- error) (Pong, error)
		ctx     func() (context.Context, context.CancelFunc)
		cancel  bool // cancel ctx once the server has the request
		wantIs  error
		wantMsg string
		peer    string
	}{
		{
			name: "nobody serves",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Minute)
			},
			wantIs:  channel.ErrNoResponders,
			wantMsg: "no responders",
		},
		{
			name: "deadline",
			serve: func(ctx context.Context, env channel.Envelope[Ping], done chan<- error) (Pong, error) {
				<-ctx.Done() // the requester's deadline reaches the server
				done <- ctx.Err()
				return Pong{}, ctx.Err()
			},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			wantIs:  context.DeadlineExceeded,
			wantMsg: "no reply: context deadline exceeded",
		},
		{
			name: "cancelled",
			serve: func(ctx context.Context, env channel.Envelope[Ping], done chan<- error) (Pong, error) {
				done <- nil
				<-ctx.Done()
				return Pong{}, ctx.Err()
			},
			ctx:     func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			cancel:  true,
			wantIs:  context.Canceled,
			wantMsg: "no reply: context canceled",
		},
		{
			name: "server error",
			serve: func(ctx context.Context, env channel.Envelope[Ping], done chan<- error) (Pong, error) {
				return Pong{}, errors.New("rate table is empty")
			},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Minute)
			},
			wantMsg: "fx replied with error: rate table is empty",
			peer:    "fx",
		},
	}
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ch := prefix + strings.ReplaceAll(tt.name, " ", "-") + ".fx.rates"
				handlerDone := make(chan error, 1)
				if tt.serve != nil {
					srv := channel.NewReqRepServer[Ping, Pong](channel.NewService("fx", bus), ch)
					sub, err := srv.Serve(context.Background(), func(ctx context.Context, env channel.Envelope[Ping]) (Pong, error) {
						return tt.serve(ctx, env, handlerDone)
					})
					if err != nil {
						t.Fatal(err)
					}
					defer sub.Close()
					flush(t, bus)
				}
				rec := newRecorder()
				cli := channel.NewReqRepClient[Ping, Pong](channel.NewService("pricing", bus, channel.WithRecorder(rec)), ch)
				ctx, cancel := tt.ctx()
				defer cancel()
				if tt.cancel {
					go func() {
						<-handlerDone
						cancel()
					}()
				}
				_, err := cli.Request(ctx, Ping{N: 1})
				if err == nil {
					t.Fatal("Request succeeded")
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("error %q is not %v", err, tt.wantIs)
				}
				for _, want := range []string{tt.wantMsg, ch} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				var re *channel.RemoteError
				if isRemote := errors.As(err, &re); isRemote != (tt.peer != "") {
					t.Errorf("error %q: RemoteError %v, want %v", err, isRemote, tt.peer != "")
				}
				ev := rec.waitFor(t, "pricing", telemetry.TypeRequest, 1)[0]
				if ev.Status != telemetry.StatusError || ev.Error != err.Error() || ev.PeerService != tt.peer || ev.Channel != ch {
					t.Errorf("request event %+v; want status error, error %q, peer %q", ev, err, tt.peer)
				}
				if tt.name == "deadline" {
					// The server's handler saw the requester's deadline.
					if herr := <-handlerDone; !errors.Is(herr, context.DeadlineExceeded) {
						t.Errorf("server handler ctx ended with %v", herr)
					}
				}
			})
		}
	})
}

// TestRequestReply: a reply comes back decoded, and both sides record
// their hop with each other as peer.
func TestRequestReply(t *testing.T) {
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		ch := prefix + "double"
		rec := newRecorder()
		srv := channel.NewReqRepServer[Ping, Pong](channel.NewService("doubler", bus, channel.WithRecorder(rec)), ch)
		sub, err := srv.Serve(context.Background(), func(ctx context.Context, env channel.Envelope[Ping]) (Pong, error) {
			return Pong{N: 2 * env.Payload.N}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		cli := channel.NewReqRepClient[Ping, Pong](channel.NewService("asker", bus, channel.WithRecorder(rec)), ch)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for i := range 5 {
			rep, err := cli.Request(ctx, Ping{N: i})
			if err != nil || rep.N != 2*i {
				t.Fatalf("Request(%d) = %+v, %v", i, rep, err)
			}
		}
		reqs := rec.waitFor(t, "asker", telemetry.TypeRequest, 5)
		serves := rec.waitFor(t, "doubler", telemetry.TypeServe, 5)
		pongType := channel.MessageTypeOf[Pong]()
		for i := range 5 {
			if reqs[i].PeerService != "doubler" || serves[i].PeerService != "asker" ||
				reqs[i].ReplyType != pongType || serves[i].ReplyType != pongType ||
				reqs[i].MessageID != serves[i].MessageID {
				t.Errorf("request %+v\nserve %+v", reqs[i], serves[i])
			}
		}
	})
}
