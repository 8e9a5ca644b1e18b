// Package render writes a topology.Graph in the formats people and tools
// read: JSON, a text table, DOT, SVG and PNG (through go-graphviz), Mermaid,
// Markdown and SARIF. Every text format is deterministic: the same graph
// gives the same bytes.
package render
