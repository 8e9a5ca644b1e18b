package notifications

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// TextMailer is a Mailer that writes each email as one line of text, for
// running the shop without a mail server.
type TextMailer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewTextMailer returns a TextMailer writing to w.
func NewTextMailer(w io.Writer) *TextMailer { return &TextMailer{w: w} }

// Send implements Mailer.
func (m *TextMailer) Send(_ context.Context, e Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := fmt.Fprintf(m.w, "mail to=%s subject=%q body=%q\n", e.To, e.Subject, e.Body); err != nil {
		return fmt.Errorf("write email: %w", err)
	}
	return nil
}
