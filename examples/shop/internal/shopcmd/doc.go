// Package shopcmd is what every shop binary's main shares: the flags that
// choose the bus and where events go, and running a service until the
// process is signalled.
package shopcmd
