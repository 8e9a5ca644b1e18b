// Package pricingmsg is pricing's public contract: the price events it
// publishes and the channel they travel on.
package pricingmsg
