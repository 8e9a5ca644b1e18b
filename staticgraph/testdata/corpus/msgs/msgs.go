// Package msgs holds the corpus's message types.
package msgs

type Order struct{ ID string }

type Invoice struct{ ID string }

type AuditEvent struct{ What string }

type Quote struct{ SKU string }

type Price struct{ Cents int }
