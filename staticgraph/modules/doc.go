// Package modules plans the loads of a static analysis over a tree that
// may hold many Go modules: nested, side by side, some sharing one module
// path, with or without a go.work.
//
// Plan turns the package patterns a user typed in a directory into one
// load per module, each run in the module's own directory with its own
// go.mod, so that every module keeps its own dependency versions. Where no
// go.mod governs the directory, or modules are nested below it, a
// recursive pattern (./...) means every module under it, with the go
// tool's exclusions below the starting directory: vendor, testdata, and
// names that start with "." or "_". A go.work that governs a module and
// lists it is used for that module's load (its other modules then resolve
// to their source); a module it does not list, or an invalid go.work, is
// loaded with GOWORK=off, so a go.work is never required.
//
// An argument that names a file, a directory that does not exist, or a
// local pattern that no module governs is an *Error naming it.
package modules
