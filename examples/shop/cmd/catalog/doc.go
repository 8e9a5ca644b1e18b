// Command catalog runs the shop's catalog service.
package main
