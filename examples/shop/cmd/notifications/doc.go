// Command notifications runs the shop's notifications service.
package main
