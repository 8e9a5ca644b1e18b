// Command rates serves exchange rates over gRPC, with the standard health
// service beside them.
package main

import (
	"context"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"example.com/multi/proto/fxpb"
)

// rates implements GetRate only; ListCurrencies stays the generated
// "unimplemented" one, so it is no flow.
type rates struct {
	fxpb.UnimplementedRatesServer
}

func (rates) GetRate(_ context.Context, req *fxpb.GetRateRequest) (*fxpb.GetRateReply, error) {
	return &fxpb.GetRateReply{Rate: 1.08}, nil
}

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:7001")
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	fxpb.RegisterRatesServer(s, rates{})
	healthpb.RegisterHealthServer(s, health.NewServer())
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
