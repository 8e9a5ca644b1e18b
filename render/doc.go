// Package render writes a topology.Graph in the formats people and tools
// read: JSON, a text table, DOT, SVG and PNG, Mermaid, Markdown and SARIF.
// SVG and PNG are laid out by native Graphviz where its dot is installed,
// and by the embedded renderer (go-graphviz, see render/embedded) where it
// is not; both lay out the same DOT text. Every text format is
// deterministic: the same graph gives the same bytes.
package render
