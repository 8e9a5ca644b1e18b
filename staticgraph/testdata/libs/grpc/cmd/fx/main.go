// Command fx serves exchange rates over gRPC.
package main

import (
	"context"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"example.com/libs/grpc/gen/fxpb"
)

// ratesServer implements GetRate only; ListCurrencies falls through to the
// embedded Unimplemented server, so it is not served.
type ratesServer struct {
	fxpb.UnimplementedRatesServer
}

func (ratesServer) GetRate(_ context.Context, req *fxpb.GetRateRequest) (*fxpb.GetRateReply, error) {
	if req.GetFrom() == req.GetTo() {
		return &fxpb.GetRateReply{Rate: 1}, nil
	}
	return &fxpb.GetRateReply{Rate: 1.08}, nil
}

// adminServer implements none of Admin's methods: registering it serves
// nothing.
type adminServer struct {
	fxpb.UnimplementedAdminServer
}

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:7001")
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	fxpb.RegisterRatesServer(s, ratesServer{})
	fxpb.RegisterAdminServer(s, &adminServer{})

	// The gateway in front of this service calls it back through
	// generated code: its request's evidence is this call, and not
	// checkout's calls of the same generated client.
	conn, err := grpc.NewClient("127.0.0.1:7001", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	if err := fxpb.RegisterRatesGateway(context.Background(), conn); err != nil {
		log.Fatal(err)
	}
	// Trap: a generated error type is no client, so using it is no
	// "never used" diagnostic.
	log.Print(fxpb.NewGatewayError("starting").Error())
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
