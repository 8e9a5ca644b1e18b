// Command pricing prices baskets, calling the fx service through go-kit
// clients: one built where it is used, one through a helper that builds
// any method's endpoint.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/go-kit/kit/endpoint"
	grpctransport "github.com/go-kit/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"example.com/libs/gokit/gen/fxpb"
)

func encode(_ context.Context, req any) (any, error)  { return req, nil }
func decode(_ context.Context, resp any) (any, error) { return resp, nil }

// endpointFor is a go-kit endpoint for one method of service.
func endpointFor(conn *grpc.ClientConn, service, method string, reply any) endpoint.Endpoint {
	return grpctransport.NewClient(conn, service, method, encode, decode, reply).Endpoint()
}

func main() {
	method := flag.String("probe", "GetRate", "the fx method the health probe calls")
	flag.Parse()
	conn, err := grpc.NewClient("127.0.0.1:7001", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	getRate := grpctransport.NewClient(conn, "fx.v1.Rates", "GetRate", encode, decode, &fxpb.GetRateReply{}).Endpoint()
	if _, err := getRate(ctx, &fxpb.GetRateRequest{From: "EUR", To: "USD"}); err != nil {
		log.Fatal(err)
	}

	list := endpointFor(conn, "fx.v1.Rates", "ListCurrencies", &fxpb.ListCurrenciesReply{})
	if _, err := list(ctx, &fxpb.ListCurrenciesRequest{}); err != nil {
		log.Fatal(err)
	}

	// Trap: the method comes from a flag (unresolved, with its default).
	probe := grpctransport.NewClient(conn, "fx.v1.Rates", *method, encode, decode, &fxpb.GetRateReply{}).Endpoint()
	if _, err := probe(ctx, &fxpb.GetRateRequest{}); err != nil {
		log.Fatal(err)
	}

	// Trap: a client never made into an endpoint calls nothing.
	_ = grpctransport.NewClient(conn, "fx.v1.Admin", "Reload", encode, decode, &fxpb.ReloadReply{})
}
