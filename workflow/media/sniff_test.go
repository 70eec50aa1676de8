package media

import (
	"bytes"
	"errors"
	"image"
	"strings"
	"testing"
)

// sniffCases are real files built in the test, with their expected type
// ("" means ErrUnsupported). Each name is what a client might call it.
func sniffCases(tb testing.TB) []struct {
	name string
	data []byte
	want string
} {
	tb.Helper()
	tiff := buildTIFF(exifSpec{bo: le, orientation: 6, dateTime: "2024:03:15 09:30:00", gps: true})
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 100)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 100)...)
	return []struct {
		name string
		data []byte
		want string
	}{
		{"photo.jpg", jpegWithExif(tb, quadrants(8, 8), tiff), JPEG},
		{"plain.jpg", jpegWithExif(tb, quadrants(8, 8), nil), JPEG},
		{"photo.png", pngWithMeta(tb, quadrants(8, 8), tiff), PNG},
		{"photo.webp", webpWithMeta(tiff), WebP},
		{"simple.webp", riff(riffChunkBytes("VP8L", vp8l1x1)), WebP},
		{"photo.heic", ftyp("heic", "mif1", "heic"), HEIC},
		{"burst.heic", ftyp("hevc", "msf1", "hevc"), HEIC},
		{"generic.heif", ftyp("mif1", "mif1", "heic"), HEIC},
		{"compat-only.heic", ftyp("mif1", "miaf", "heix"), HEIC},
		{"report.pdf", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"), PDF},
		{"report.docx", docxFile(tb), DOCX},
		{"ledger.xlsx", xlsxFile(tb), XLSX},

		{"empty.jpg", nil, ""},
		{"elf.jpg", elf, ""},
		{"setup.exe.jpg", pe, ""},
		{"page.html.png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), ""},
		{"svg.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), ""},
		{"notes.txt", []byte("just some text"), ""},
		{"anim.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ""},
		{"image.avif", ftyp("avif", "avif", "mif1", "miaf"), ""},
		{"image2.avif", ftyp("mif1", "avif", "mif1", "miaf"), ""},
		{"video.mp4", ftyp("isom", "isom", "mp41"), ""},
		{"short ftyp", []byte("\x00\x00\x00\x10ftypheic"), ""},
		{"huge ftyp", append([]byte("\x00\x10\x00\x00ftypheic\x00\x00\x00\x00"), make([]byte, 64)...), ""},
		{"archive.zip", ooxml(tb, "a.txt", "hello", "b/c.txt", "world"), ""},
		{"no content types.docx", ooxml(tb, "word/document.xml", "<w:document/>"), ""},
		{"content types only.docx", ooxml(tb, "[Content_Types].xml", contentTypesXML("/word/document.xml", docxMainType)), ""},
		{"wrong main type.docx", ooxml(tb,
			"[Content_Types].xml", contentTypesXML("/word/document.xml", "application/xml"),
			"word/document.xml", "<w:document/>"), ""},
		{"macro.docm renamed .docx", ooxml(tb,
			"[Content_Types].xml", contentTypesXML("/word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
			"word/document.xml", "<w:document/>",
			"word/vbaProject.bin", "\xd0\xcf\x11\xe0"), ""},
		{"macro.xlsm renamed .xlsx", ooxml(tb,
			"[Content_Types].xml", contentTypesXML("/xl/workbook.xml", xlsxMainType)+`<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>`,
			"xl/workbook.xml", "<workbook/>",
			"xl/vbaProject.bin", "\xd0\xcf\x11\xe0"), ""},
		{"both.docx", ooxml(tb,
			"[Content_Types].xml", contentTypesXML("/word/document.xml", docxMainType)+contentTypesXML("/xl/workbook.xml", xlsxMainType),
			"word/document.xml", "<w:document/>",
			"xl/workbook.xml", "<workbook/>"), ""},
		{"truncated.docx", docxFile(tb)[:60], ""},
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range sniffCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sniff(tc.data)
			if tc.want == "" {
				if !errors.Is(err, ErrUnsupported) || got != "" {
					t.Fatalf("Sniff = %q, %v; want ErrUnsupported", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Sniff = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestSniffBigContentTypes(t *testing.T) {
	// [Content_Types].xml over 1 MiB is refused without reading it all.
	big := contentTypesXML("/word/document.xml", docxMainType) + "<!--" + strings.Repeat("x", maxContentTypesXML) + "-->"
	data := ooxml(t, "[Content_Types].xml", big, "word/document.xml", "<w:document/>")
	if _, err := Sniff(data); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Sniff: %v, want ErrUnsupported", err)
	}
}

func TestIsPhoto(t *testing.T) {
	for ct, want := range map[string]bool{
		JPEG: true, PNG: true, WebP: true, HEIC: true,
		PDF: false, DOCX: false, XLSX: false, "": false, "image/gif": false, "image/svg+xml": false,
	} {
		if got := IsPhoto(ct); got != want {
			t.Errorf("IsPhoto(%q) = %v, want %v", ct, got, want)
		}
	}
}

// The test JPEG and PNG builders must make files the decoders accept.
func TestBuiltFilesDecode(t *testing.T) {
	tiff := buildTIFF(exifSpec{bo: be, orientation: 3, dateTime: "2024:03:15 09:30:00", gps: true})
	for name, data := range map[string][]byte{
		"jpeg": jpegWithExif(t, quadrants(16, 8), tiff),
		"png":  pngWithMeta(t, quadrants(16, 8), tiff),
	} {
		m, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Bounds().Dx() != 16 || m.Bounds().Dy() != 8 {
			t.Fatalf("%s: bounds %v", name, m.Bounds())
		}
	}
}
