// Package templates holds the html/template files of hazardloop, embedded: the
// supervision documents and the pages.
package templates

import "embed"

// FS holds documents/*.html and pages/*.html.
//
//go:embed documents/*.html pages/*.html
var FS embed.FS
