// Package merchantmsg is merchant-api's public contract towards the other
// services: the merchant-contact request it serves.
package merchantmsg
