// Package migrations holds the versioned SQL migrations, one folder per dialect,
// embedded in the binary. Both folders carry the same version numbers; a test in
// model checks that they reach the same tables, columns and indexes.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
