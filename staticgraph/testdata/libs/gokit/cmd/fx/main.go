// Command fx serves exchange rates over gRPC: both methods of Rates.
package main

import (
	"context"
	"log"
	"net"

	"google.golang.org/grpc"

	"example.com/libs/gokit/gen/fxpb"
)

type ratesServer struct {
	fxpb.UnimplementedRatesServer
}

func (ratesServer) GetRate(context.Context, *fxpb.GetRateRequest) (*fxpb.GetRateReply, error) {
	return &fxpb.GetRateReply{Rate: 1.08}, nil
}

func (ratesServer) ListCurrencies(context.Context, *fxpb.ListCurrenciesRequest) (*fxpb.ListCurrenciesReply, error) {
	return &fxpb.ListCurrenciesReply{}, nil
}

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:7001")
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	fxpb.RegisterRatesServer(s, ratesServer{})
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
