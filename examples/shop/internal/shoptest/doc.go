// Package shoptest helps the shop services' tests: a bus with recorded
// events, and typed receivers that wait for a message without hanging.
package shoptest
