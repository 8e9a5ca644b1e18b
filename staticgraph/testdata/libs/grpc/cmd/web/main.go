// Command web is the storefront's HTTP front end: it places orders through
// checkout and forwards debug calls.
package main

import (
	"io"
	"log"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"

	"example.com/libs/grpc/gen/checkoutpb"
	"example.com/libs/grpc/gen/fxpb"
)

type frontend struct {
	checkout checkoutpb.CheckoutClient
	// rates was meant for showing prices in the visitor's currency; it is
	// built and never called.
	rates fxpb.RatesClient
	conn  *grpc.ClientConn
}

func (f *frontend) order(w http.ResponseWriter, r *http.Request) {
	reply, err := f.checkout.PlaceOrder(r.Context(), &checkoutpb.PlaceOrderRequest{BasketId: r.FormValue("basket"), Currency: "USD"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	_, _ = io.WriteString(w, reply.GetOrderId())
}

// debug forwards /debug/<service>/<method> to the backend: the method name
// is request data.
func (f *frontend) debug(w http.ResponseWriter, r *http.Request) {
	out := &emptypb.Empty{}
	if err := f.conn.Invoke(r.Context(), r.URL.Path[len("/debug"):], &emptypb.Empty{}, out); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
}

func main() {
	conn, err := grpc.NewClient("127.0.0.1:7002", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	f := &frontend{
		checkout: checkoutpb.NewCheckoutClient(conn),
		rates:    fxpb.NewRatesClient(conn),
		conn:     conn,
	}
	http.HandleFunc("/order", f.order)
	http.HandleFunc("/debug/", f.debug)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}
