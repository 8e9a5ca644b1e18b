module example.com/corpus

go 1.26.8

require github.com/tracegraph/tracegraph v0.0.0

require github.com/google/uuid v1.6.0 // indirect

replace github.com/tracegraph/tracegraph => ../../..
