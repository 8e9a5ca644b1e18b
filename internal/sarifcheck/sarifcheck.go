// Package sarifcheck validates SARIF logs against the official SARIF 2.1.0
// JSON schema, so that tests catch output code scanning would reject before
// a user's upload does.
package sarifcheck

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaID is the schema's own id: OASIS SARIF 2.1.0, Errata 01.
const SchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

//go:embed testdata/sarif-schema-2.1.0.json
var schemaJSON []byte

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("sarif schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	// The schema declares formats (uri, date-time) that only count when
	// asserted; code scanning rejects a malformed URI, so assert them.
	c.AssertFormat()
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, fmt.Errorf("sarif schema: %w", err)
	}
	return c.Compile(SchemaID)
})

// Validate reports the first way a SARIF log breaks the schema, or nil.
func Validate(log []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		return fmt.Errorf("sarif: not JSON: %w", err)
	}
	return s.Validate(v)
}
