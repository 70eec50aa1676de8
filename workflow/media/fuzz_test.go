package media

import (
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzCaptureTime feeds arbitrary bytes as the TIFF block of a JPEG APP1
// Exif segment, a WebP EXIF chunk and a PNG eXIf chunk. It must never
// panic, and a time it returns must be plausible.
func FuzzCaptureTime(f *testing.F) {
	for _, bo := range []order{le, be} {
		f.Add(buildTIFF(exifSpec{bo: bo, orientation: 6, dateTime: "2024:03:15 09:30:07", offset: "+05:30", subSec: "123", gps: true}))
		f.Add(buildTIFF(exifSpec{bo: bo, dateTime: "2024:03:15 09:30:07"}))
		f.Add(buildTIFF(exifSpec{bo: bo, orientation: 3}))
	}
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x01\x00\x69\x87\x04\x00\x01\x00\x00\x00\x08\x00\x00\x00")) // Exif IFD = IFD0
	f.Add([]byte("MM\x00*\xff\xff\xff\xff"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, tiff []byte) {
		if len(tiff) > 65000 {
			tiff = tiff[:65000]
		}
		app1 := append(append([]byte{}, exifHeader...), tiff...)
		jpg := append([]byte{0xFF, 0xD8, 0xFF, 0xE1}, binary.BigEndian.AppendUint16(nil, uint16(len(app1)+2))...)
		jpg = append(append(jpg, app1...), 0xFF, 0xD9)
		webp := riff(riffChunkBytes("VP8L", vp8l1x1), riffChunkBytes("EXIF", tiff))
		pngData := append(append([]byte{}, pngSignature...), pngChunk("eXIf", tiff)...)

		x, err := parseExif(tiff)
		if err == nil && (x.orientation < 0 || x.orientation > 8) {
			t.Fatalf("orientation %d", x.orientation)
		}
		for ct, data := range map[string][]byte{JPEG: jpg, WebP: webp, PNG: pngData} {
			tm, ok := CaptureTime(ct, data)
			if ok && (tm.Year() < 1800 || tm.Year() > 9999) {
				t.Fatalf("%s: implausible time %v", ct, tm)
			}
		}
		// The WebP container must also survive stripping.
		if _, err := StripLocation(WebP, webp); err != nil {
			t.Fatalf("StripLocation(WebP): %v", err)
		}
	})
}

// FuzzSniff checks Sniff never panics and answers only accepted types.
func FuzzSniff(f *testing.F) {
	for _, tc := range sniffCases(f) {
		f.Add(tc.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := Sniff(data)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) || ct != "" {
				t.Fatalf("Sniff = %q, %v", ct, err)
			}
			return
		}
		switch ct {
		case JPEG, PNG, WebP, HEIC, PDF, DOCX, XLSX:
		default:
			t.Fatalf("Sniff returned %q", ct)
		}
	})
}

// FuzzStripWebP checks the RIFF rewriting on arbitrary containers: no
// panic, and any output is a well-formed WebP without EXIF or XMP.
func FuzzStripWebP(f *testing.F) {
	tiff := buildTIFF(exifSpec{bo: le, orientation: 6, dateTime: "2024:03:15 09:30:07", gps: true})
	f.Add(webpWithMeta(tiff))
	f.Add(riff(riffChunkBytes("VP8L", vp8l1x1)))
	f.Add(riff(riffChunkBytes("VP8X", vp8x(0xff)), riffChunkBytes("EXIF", []byte{1}), riffChunkBytes("XMP ", nil)))
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := StripLocation(WebP, data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		chunks, err := webpChunks(out)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if got := binary.LittleEndian.Uint32(out[4:]); int(got) != len(out)-8 {
			t.Fatalf("RIFF size %d for %d bytes", got, len(out))
		}
		for _, c := range chunks {
			switch c.fourCC {
			case "EXIF", "XMP ":
				t.Fatalf("output has a %q chunk", c.fourCC)
			case "VP8X":
				if c.payload[0]&(vp8xFlagEXIF|vp8xFlagXMP) != 0 {
					t.Fatalf("VP8X flags %#x", c.payload[0])
				}
			}
		}
	})
}
