// Command orders places orders through the nested module.
package main

import "example.com/nest/inner"

func main() { _ = inner.Place("o-1") }
