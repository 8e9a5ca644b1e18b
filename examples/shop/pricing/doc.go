// Package pricing is the pricing service: when a SKU's price changes it
// works out the price in every marketplace currency, with rates from fx, and
// announces the prices.
package pricing
