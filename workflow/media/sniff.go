package media

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
)

// Sniff returns the content type of data, one of the constants above, or
// ErrUnsupported.
//
// JPEG, PNG, WebP and PDF are recognised by their magic bytes. HEIC is an
// ISO-BMFF file whose leading ftyp box names an HEVC HEIF brand (heic, heix,
// hevc, heim, heis, hevm, hevs) anywhere, or the generic HEIF brand mif1 or
// msf1 as its major brand without an AVIF brand. DOCX and XLSX are zip files
// holding [Content_Types].xml, which must declare the main part of a Word
// document (word/document.xml) or Excel workbook (xl/workbook.xml); a
// macro-enabled file (vbaProject.bin or a macroEnabled type) is refused.
// Everything else (executables, HTML, plain zip, text, GIF, AVIF) is
// ErrUnsupported.
func Sniff(data []byte) (string, error) {
	if len(data) == 0 {
		return "", ErrUnsupported
	}
	if isHEIF(data) {
		return HEIC, nil
	}
	switch ct := http.DetectContentType(data); ct {
	case JPEG, PNG, WebP, PDF:
		return ct, nil
	case "application/zip":
		return sniffOOXML(data)
	}
	return "", ErrUnsupported
}

var (
	hevcBrands    = map[string]bool{"heic": true, "heix": true, "hevc": true, "heim": true, "heis": true, "hevm": true, "hevs": true}
	genericBrands = map[string]bool{"mif1": true, "msf1": true}
	avifBrands    = map[string]bool{"avif": true, "avis": true}
)

// isHEIF looks at the ftyp box that must open an ISO-BMFF file: size (4),
// "ftyp", major brand (4), minor version (4), compatible brands (4 each).
func isHEIF(data []byte) bool {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return false
	}
	size := binary.BigEndian.Uint32(data[0:4])
	if size < 16 || size%4 != 0 || size > 4096 || uint64(size) > uint64(len(data)) {
		return false
	}
	major := string(data[8:12])
	brands := []string{major}
	for i := 16; i+4 <= int(size); i += 4 {
		brands = append(brands, string(data[i:i+4]))
	}
	avif := false
	for _, b := range brands {
		if hevcBrands[b] {
			return true
		}
		avif = avif || avifBrands[b]
	}
	return genericBrands[major] && !avif
}

const (
	maxContentTypesXML = 1 << 20
	docxMainType       = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	xlsxMainType       = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)

// sniffOOXML reads only the zip's central directory and (at most 1 MiB of)
// [Content_Types].xml; nothing else is decompressed.
func sniffOOXML(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", ErrUnsupported
	}
	var types *zip.File
	var hasDocument, hasWorkbook bool
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case name == "[content_types].xml":
			types = f
		case name == "word/document.xml":
			hasDocument = true
		case name == "xl/workbook.xml":
			hasWorkbook = true
		case strings.HasSuffix(name, "vbaproject.bin"):
			return "", ErrUnsupported
		}
	}
	if types == nil || hasDocument == hasWorkbook {
		return "", ErrUnsupported
	}
	rc, err := types.Open()
	if err != nil {
		return "", ErrUnsupported
	}
	defer rc.Close()
	xml, err := io.ReadAll(io.LimitReader(rc, maxContentTypesXML+1))
	if err != nil || len(xml) > maxContentTypesXML {
		return "", ErrUnsupported
	}
	if bytes.Contains(bytes.ToLower(xml), []byte("macroenabled")) {
		return "", ErrUnsupported
	}
	switch {
	case hasDocument && bytes.Contains(xml, []byte(docxMainType)):
		return DOCX, nil
	case hasWorkbook && bytes.Contains(xml, []byte(xlsxMainType)):
		return XLSX, nil
	}
	return "", ErrUnsupported
}
