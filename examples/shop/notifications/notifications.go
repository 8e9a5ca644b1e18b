package notifications

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
	"github.com/tracegraph/tracegraph/examples/shop/inventory/inventorymsg"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi/merchantmsg"
)

// Name is the notifications service's name.
const Name = "notifications"

// Operations of the notifications service's handlers.
const (
	OpNotifyMerchant = "NotifyMerchant"
	OpPageOnCall     = "PageOnCall"
)

// pagerGroup is the pager's own consumer group, so that it gets its copy of
// a message whatever the rest of the service subscribes to.
const pagerGroup = Name + "-pager"

// Email is one message to send.
type Email struct {
	To      string
	Subject string
	Body    string
}

// Mailer sends email. Implementations must be safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// Config says whom to alert and when.
type Config struct {
	// LowStock is the number of units on hand below which a merchant is
	// told its stock runs low.
	LowStock int
	// OnCall is the operator's address. When it is empty the pager is off
	// and the debug tap is not followed.
	OnCall string
}

// Notifier is the running notifications service.
type Notifier struct {
	svc      *channel.Service
	mailer   Mailer
	cfg      Config
	contacts *contactBook
	subs     shopkit.Subscriptions
}

// New returns a notifications service that runs as svc and sends with
// mailer.
func New(svc *channel.Service, mailer Mailer, cfg Config) *Notifier {
	return &Notifier{svc: svc, mailer: mailer, cfg: cfg, contacts: newContactBook(svc)}
}

// Start subscribes to stock events and, with the pager on, to the debug
// tap. It returns once the subscriptions are in place; Close stops them.
func (n *Notifier) Start(ctx context.Context) error {
	op := channel.WithOperation(OpNotifyMerchant)
	err := errors.Join(
		n.subs.Add(shopkit.Listen(ctx, n.svc, inventorymsg.StockAdjustedChannel, n.stockAdjusted, op)),
		n.subs.Add(shopkit.Listen(ctx, n.svc, inventorymsg.StockAdjustFailedChannel, n.stockAdjustFailed, op)),
	)
	if err == nil && n.cfg.OnCall != "" {
		err = n.subs.Add(n.followTap(ctx))
	}
	if err != nil {
		return errors.Join(fmt.Errorf("start %s: %w", Name, err), n.subs.Close())
	}
	return nil
}

// Close stops the subscriptions.
func (n *Notifier) Close() error { return n.subs.Close() }

func (n *Notifier) stockAdjusted(ctx context.Context, env channel.Envelope[inventorymsg.StockAdjusted]) error {
	ev := env.Payload
	if ev.OnHand >= n.cfg.LowStock {
		return nil
	}
	return n.tellMerchant(ctx, ev.MerchantID,
		fmt.Sprintf("%s runs low", ev.SKU),
		fmt.Sprintf("%d left of %s.", ev.OnHand, ev.SKU))
}

func (n *Notifier) stockAdjustFailed(ctx context.Context, env channel.Envelope[inventorymsg.StockAdjustFailed]) error {
	ev := env.Payload
	return n.tellMerchant(ctx, ev.MerchantID,
		fmt.Sprintf("stock of %s not updated", ev.SKU),
		fmt.Sprintf("A change of %+d units to %s failed: %s.", ev.Delta, ev.SKU, ev.Reason))
}

func (n *Notifier) tellMerchant(ctx context.Context, merchantID, subject, body string) error {
	c, err := n.contacts.lookup(ctx, merchantID)
	if err != nil {
		return err
	}
	if err := n.mailer.Send(ctx, Email{To: c.Email, Subject: subject, Body: body}); err != nil {
		return fmt.Errorf("email %s: %w", c.Email, err)
	}
	return nil
}

// followTap pages the on-call operator for every failure the inventory's
// debug tap reports. The tap's channel is computed, like the tap's own.
func (n *Notifier) followTap(ctx context.Context) (channel.Subscription, error) {
	ch := inventorymsg.DebugChannel(inventorymsg.KindStockAdjustFailed)
	sub := channel.NewSubClient[inventorymsg.StockAdjustFailed](n.svc, ch, channel.WithGroup(pagerGroup), channel.WithOperation(OpPageOnCall))
	return sub.Subscribe(ctx, func(ctx context.Context, env channel.Envelope[inventorymsg.StockAdjustFailed]) error {
		ev := env.Payload
		page := Email{
			To:      n.cfg.OnCall,
			Subject: fmt.Sprintf("[inventory] %s/%s: stock adjust failed", ev.MerchantID, ev.SKU),
			Body:    ev.Reason,
		}
		if err := n.mailer.Send(ctx, page); err != nil {
			return fmt.Errorf("page %s: %w", n.cfg.OnCall, err)
		}
		return nil
	})
}

// contactBook looks merchants up in merchant-api.
type contactBook struct {
	get *channel.ReqRepClient[merchantmsg.GetContact, merchantmsg.Contact]
}

func newContactBook(svc *channel.Service) *contactBook {
	return &contactBook{get: channel.NewReqRepClient[merchantmsg.GetContact, merchantmsg.Contact](svc, merchantmsg.ContactChannel)}
}

func (b *contactBook) lookup(ctx context.Context, merchantID string) (merchantmsg.Contact, error) {
	c, err := b.get.Request(ctx, merchantmsg.GetContact{MerchantID: merchantID})
	if err != nil {
		return merchantmsg.Contact{}, fmt.Errorf("contact of merchant %s: %w", merchantID, err)
	}
	return c, nil
}
