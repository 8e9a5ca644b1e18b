// Command pricing runs the shop's pricing service.
package main
