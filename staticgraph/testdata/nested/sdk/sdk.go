// Package sdk is a minimal event SDK that tracegraph learns from
// tracegraph.yaml.
package sdk

import "fmt"

// Send publishes v on topic.
func Send(topic string, v any) error {
	_, err := fmt.Println(topic, v)
	return err
}
