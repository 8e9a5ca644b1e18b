// Command merchant-api runs the shop's merchant API.
package main
