// Package notifications is the notifications service: it emails merchants
// about failed stock adjustments and low stock, looking their contact up in
// merchant-api, and with its pager on, emails the on-call operator about
// what the inventory's debug tap reports.
package notifications
