// Command inventory runs the shop's inventory service.
package main
