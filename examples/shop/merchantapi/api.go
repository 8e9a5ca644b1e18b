package merchantapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi/merchantmsg"
)

// Name is merchant-api's service name.
const Name = "merchant-api"

// Operations of the traces merchant-api starts, and of its handler.
const (
	OpUpdateSku  = "UpdateSku"
	OpDeleteSku  = "DeleteSku"
	OpGetContact = "GetContact"
)

// ErrUnknownMerchant is wrapped by the error of a request about a merchant
// the directory does not know.
var ErrUnknownMerchant = errors.New("unknown merchant")

// Directory is the set of merchants, by id.
type Directory map[string]merchantmsg.Contact

// NewDirectory returns a Directory of contacts.
func NewDirectory(contacts ...merchantmsg.Contact) Directory {
	d := make(Directory, len(contacts))
	for _, c := range contacts {
		d[c.MerchantID] = c
	}
	return d
}

// API is the running merchant-api service.
type API struct {
	svc    *channel.Service
	dir    Directory
	update *channel.ReqRepClient[catalogmsg.UpdateSku, catalogmsg.UpdateSkuReply]
	del    *channel.ReqRepClient[catalogmsg.DeleteSku, catalogmsg.DeleteSkuReply]
	subs   shopkit.Subscriptions
}

// New returns a merchant-api that runs as svc for the merchants of dir.
func New(svc *channel.Service, dir Directory) *API {
	return &API{
		svc:    svc,
		dir:    dir,
		update: channel.NewReqRepClient[catalogmsg.UpdateSku, catalogmsg.UpdateSkuReply](svc, catalogmsg.UpdateSkuChannel),
		del:    channel.NewReqRepClient[catalogmsg.DeleteSku, catalogmsg.DeleteSkuReply](svc, catalogmsg.DeleteSkuChannel),
	}
}

// Start serves contact requests. It returns once it serves; Close stops it.
func (a *API) Start(ctx context.Context) error {
	srv := channel.NewReqRepServer[merchantmsg.GetContact, merchantmsg.Contact](a.svc, merchantmsg.ContactChannel,
		channel.WithOperation(OpGetContact))
	if err := a.subs.Add(srv.Serve(ctx, a.contact)); err != nil {
		return fmt.Errorf("start %s: %w", Name, err)
	}
	return nil
}

// Close stops serving.
func (a *API) Close() error { return a.subs.Close() }

func (a *API) contact(_ context.Context, env channel.Envelope[merchantmsg.GetContact]) (merchantmsg.Contact, error) {
	c, ok := a.dir[env.Payload.MerchantID]
	if !ok {
		return merchantmsg.Contact{}, fmt.Errorf("%w %q", ErrUnknownMerchant, env.Payload.MerchantID)
	}
	return c, nil
}

// UpdateSku passes a merchant's SKU update to the catalog, in a new trace.
func (a *API) UpdateSku(ctx context.Context, u catalogmsg.UpdateSku) (rep catalogmsg.UpdateSkuReply, err error) {
	if _, ok := a.dir[u.MerchantID]; !ok {
		return catalogmsg.UpdateSkuReply{}, fmt.Errorf("%w %q", ErrUnknownMerchant, u.MerchantID)
	}
	ctx, end := channel.StartTrace(ctx, a.svc, OpUpdateSku, map[string]string{"merchant_id": u.MerchantID})
	defer end(&err)
	rep, err = a.update.Request(ctx, u)
	if err != nil {
		return rep, fmt.Errorf("update sku %s: %w", u.SKU, err)
	}
	return rep, nil
}

// DeleteSku passes a merchant's SKU deletion to the catalog, in a new trace.
func (a *API) DeleteSku(ctx context.Context, d catalogmsg.DeleteSku) (rep catalogmsg.DeleteSkuReply, err error) {
	if _, ok := a.dir[d.MerchantID]; !ok {
		return catalogmsg.DeleteSkuReply{}, fmt.Errorf("%w %q", ErrUnknownMerchant, d.MerchantID)
	}
	ctx, end := channel.StartTrace(ctx, a.svc, OpDeleteSku, map[string]string{"merchant_id": d.MerchantID})
	defer end(&err)
	rep, err = a.del.Request(ctx, d)
	if err != nil {
		return rep, fmt.Errorf("delete sku %s: %w", d.SKU, err)
	}
	return rep, nil
}
