// Command checkout places orders, pricing them through the fx service.
package main

import (
	"context"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"example.com/libs/grpc/gen/checkoutpb"
	"example.com/libs/grpc/gen/fxpb"
)

type server struct {
	checkoutpb.UnimplementedCheckoutServer
	rates fxpb.RatesClient
}

func (s *server) PlaceOrder(ctx context.Context, req *checkoutpb.PlaceOrderRequest) (*checkoutpb.PlaceOrderReply, error) {
	rate, err := s.rates.GetRate(ctx, &fxpb.GetRateRequest{From: "EUR", To: req.GetCurrency()})
	if err != nil {
		return nil, err
	}
	return &checkoutpb.PlaceOrderReply{OrderId: "o-" + req.GetBasketId(), TotalCents: int64(4200 * rate.GetRate())}, nil
}

func (s *server) CancelOrder(context.Context, *checkoutpb.CancelOrderRequest) (*checkoutpb.CancelOrderReply, error) {
	return &checkoutpb.CancelOrderReply{}, nil
}

func main() {
	conn, err := grpc.NewClient("127.0.0.1:7001", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	lis, err := net.Listen("tcp", "127.0.0.1:7002")
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	checkoutpb.RegisterCheckoutServer(s, &server{rates: fxpb.NewRatesClient(conn)})
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
