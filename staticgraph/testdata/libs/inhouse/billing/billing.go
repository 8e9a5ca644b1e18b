// Package billing holds the events of the billing domain.
package billing

// TopicInvoiceIssued is where invoices are announced.
const TopicInvoiceIssued = "billing.invoice-issued"

// InvoiceIssued is emitted when an invoice is sent to a customer.
type InvoiceIssued struct {
	InvoiceID string `json:"invoice_id"`
	Email     string `json:"email"`
	Region    string `json:"region"`
}

// PaymentReceived is emitted by the payment gateway's webhook adapter.
type PaymentReceived struct {
	InvoiceID string `json:"invoice_id"`
}

// EmailSent records a notification that went out.
type EmailSent struct {
	InvoiceID string `json:"invoice_id"`
}
