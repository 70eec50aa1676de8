// Package templates holds the html/template files of hazardloop, embedded: the
// supervision documents, the pages and the static files the pages use.
package templates

import "embed"

// FS holds documents/*.html, pages/*.html and static/* (CSS, JS, icons).
//
//go:embed documents/*.html pages/*.html static/*
var FS embed.FS
