package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestOpen311KeysSetting: --open311-keys is a list, or @FILE of one key a line.
func TestOpen311KeysSetting(t *testing.T) {
	if got, err := open311Keys(" a , b,"); err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("list: %q %v", got, err)
	}
	if got, err := open311Keys(""); err != nil || len(got) != 0 {
		t.Errorf("none: %q %v", got, err)
	}
	f := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(f, []byte("key-one\n\n key-two \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := open311Keys("@" + f); err != nil || !slices.Equal(got, []string{"key-one", "key-two"}) {
		t.Errorf("file: %q %v", got, err)
	}
	if _, err := open311Keys("@" + f + ".missing"); err == nil {
		t.Error("a missing file is an error")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	_ = os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := open311Keys("@" + empty); err == nil {
		t.Error("an empty key file is an error")
	}
}
