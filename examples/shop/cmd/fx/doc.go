// Command fx runs the shop's foreign-exchange service.
package main
