// Package inventorymsg is the inventory's public contract: the stock events
// it publishes and the channels they travel on.
package inventorymsg
