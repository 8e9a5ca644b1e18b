// Package names holds channel and service names as constants, some of them
// constant expressions.
package names

const Orders = "orders.created"

const billing = "billing."

// Invoices is a constant expression over an unexported constant.
const Invoices = billing + "invoice" + "s"

const ConstsService = "consts"
