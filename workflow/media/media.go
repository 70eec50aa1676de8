// Package media inspects uploaded files by their content, never by their
// name or the type a client claims: it tells what a file is (Sniff), when a
// photo was taken (CaptureTime) and removes location data from photos sent
// by the public (StripLocation).
//
// Everything here works on a byte slice the caller has already bounded
// (http.MaxBytesReader); no function panics on malformed input.
package media

import (
	"errors"
	"fmt"
)

// Accepted content types.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
	HEIC = "image/heic"
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Extension is the file name extension of an accepted content type (".png"),
// "" for any other.
func Extension(contentType string) string {
	switch contentType {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case WebP:
		return ".webp"
	case HEIC:
		return ".heic"
	case PDF:
		return ".pdf"
	case DOCX:
		return ".docx"
	case XLSX:
		return ".xlsx"
	}
	return ""
}

var (
	// ErrUnsupported means the file is not of an accepted type, or (from
	// StripLocation) that its type cannot be cleaned.
	ErrUnsupported = errors.New("media: unsupported file type")
	// ErrMalformed means the file claims a supported type but cannot be
	// parsed or decoded.
	ErrMalformed = errors.New("media: malformed file")
	// ErrTooLarge means an image has more than MaxPixels pixels and was not
	// decoded (a decompression bomb, or simply too big).
	ErrTooLarge = errors.New("media: image too large")
)

// MaxPixels is the most pixels StripLocation will decode: 50 megapixels
// (a 2 KB PNG can declare a 100000×100000 canvas).
const MaxPixels = 50_000_000

// IsPhoto reports whether the type is an image.
func IsPhoto(contentType string) bool {
	switch contentType {
	case JPEG, PNG, WebP, HEIC:
		return true
	}
	return false
}

// checkPixels refuses dimensions that are not positive or exceed MaxPixels.
func checkPixels(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: %dx%d image", ErrMalformed, w, h)
	}
	if int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%w: %dx%d is over %d pixels", ErrTooLarge, w, h, MaxPixels)
	}
	return nil
}
