// Package standards holds the catalogue of major-hazard criteria (重大事故隐患
// 判定标准) the service ships, embedded in the binary (see README.md for where
// each text comes from). The service loads the entries its database lacks at
// start; an admin replaces or adds one with PUT /api/v1/standards/{id}.
package standards

import (
	"bytes"
	_ "embed"
	"io"
)

//go:embed criteria.json
var criteria []byte

// Shipped returns the shipped catalogue: JSON {"note": …, "standards": [entry…]},
// each entry as PUT /api/v1/standards/{id} takes it.
func Shipped() io.Reader { return bytes.NewReader(criteria) }
