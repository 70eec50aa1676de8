package media

import (
	"encoding/binary"
	"testing"
	"time"
)

var (
	le = order(binary.LittleEndian)
	be = order(binary.BigEndian)
)

func TestCaptureTime(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	img := quadrants(8, 8)
	withTIFF := func(ct string, tiff []byte) func(testing.TB) []byte {
		return func(tb testing.TB) []byte {
			switch ct {
			case JPEG:
				return jpegWithExif(tb, img, tiff)
			case PNG:
				return pngWithMeta(tb, img, tiff)
			case WebP:
				return webpWithMeta(tiff)
			}
			tb.Fatalf("no builder for %s", ct)
			return nil
		}
	}
	spec := func(bo order, dt, off, sub string) []byte {
		return buildTIFF(exifSpec{bo: bo, orientation: 1, dateTime: dt, offset: off, subSec: sub, gps: true})
	}
	cases := []struct {
		name string
		ct   string
		data func(testing.TB) []byte
		want time.Time // zero: ok must be false
	}{
		{"jpeg II, no offset is China time", JPEG, withTIFF(JPEG, spec(le, "2024:03:15 09:30:07", "", "")),
			time.Date(2024, 3, 15, 9, 30, 7, 0, cst)},
		{"jpeg MM, no offset is China time", JPEG, withTIFF(JPEG, spec(be, "2024:03:15 09:30:07", "", "")),
			time.Date(2024, 3, 15, 9, 30, 7, 0, cst)},
		{"jpeg with offset", JPEG, withTIFF(JPEG, spec(be, "2023:12:31 23:59:59", "-05:00", "")),
			time.Date(2023, 12, 31, 23, 59, 59, 0, time.FixedZone("", -5*3600))},
		{"jpeg with +05:30 and subseconds", JPEG, withTIFF(JPEG, spec(le, "2024:06:01 12:00:00", "+05:30", "25")),
			time.Date(2024, 6, 1, 12, 0, 0, 250_000_000, time.FixedZone("", 5*3600+1800))},
		{"webp EXIF chunk", WebP, withTIFF(WebP, spec(le, "2022:02:02 02:02:02", "+08:00", "")),
			time.Date(2022, 2, 2, 2, 2, 2, 0, cst)},
		{"webp EXIF chunk with Exif header", WebP, withTIFF(WebP, append([]byte("Exif\x00\x00"), spec(be, "2022:02:02 02:02:02", "", "")...)),
			time.Date(2022, 2, 2, 2, 2, 2, 0, cst)},
		{"png eXIf chunk", PNG, withTIFF(PNG, spec(be, "2021:07:04 18:00:00", "", "")),
			time.Date(2021, 7, 4, 18, 0, 0, 0, cst)},

		{"no exif", JPEG, withTIFF(JPEG, nil), time.Time{}},
		{"no DateTimeOriginal", JPEG, withTIFF(JPEG, spec(le, "", "", "")), time.Time{}},
		{"blank date", JPEG, withTIFF(JPEG, spec(le, "    :  :     :  :  ", "", "")), time.Time{}},
		{"zero date", JPEG, withTIFF(JPEG, spec(le, "0000:00:00 00:00:00", "", "")), time.Time{}},
		{"Feb 30", JPEG, withTIFF(JPEG, spec(le, "2024:02:30 10:00:00", "", "")), time.Time{}},
		{"ISO date", JPEG, withTIFF(JPEG, spec(le, "2024-03-15T09:30:00", "", "")), time.Time{}},
		{"bad offset", JPEG, withTIFF(JPEG, spec(le, "2024:03:15 09:30:07", "+8", "")), time.Time{}},
		{"offset out of range", JPEG, withTIFF(JPEG, spec(le, "2024:03:15 09:30:07", "+25:00", "")), time.Time{}},
		{"pdf is not read", PDF, func(testing.TB) []byte { return []byte("%PDF-1.4") }, time.Time{}},
		{"heic is not read", HEIC, func(testing.TB) []byte { return ftyp("heic", "mif1", "heic") }, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := CaptureTime(tc.ct, tc.data(t))
			if tc.want.IsZero() {
				if ok {
					t.Fatalf("CaptureTime = %v, true; want false", got)
				}
				return
			}
			if !ok || !got.Equal(tc.want) {
				t.Fatalf("CaptureTime = %v, %v; want %v", got, ok, tc.want)
			}
			_, gotOff := got.Zone()
			_, wantOff := tc.want.Zone()
			if gotOff != wantOff {
				t.Fatalf("zone offset %d, want %d", gotOff, wantOff)
			}
		})
	}
}

func TestParseExifMalformed(t *testing.T) {
	good := buildTIFF(exifSpec{bo: le, orientation: 6, dateTime: "2024:03:15 09:30:07", gps: true})
	exifPtr := func(b []byte, bo order, v uint32) []byte {
		// Rewrite the Exif IFD pointer in IFD0 (entries start at 10).
		b = append([]byte{}, b...)
		n := int(bo.Uint16(b[8:]))
		for i := 0; i < n; i++ {
			e := b[10+12*i:]
			if bo.Uint16(e) == tagExifIFD {
				bo.PutUint32(e[8:], v)
			}
		}
		return b
	}
	cases := map[string][]byte{
		"empty":                  nil,
		"bad magic":              []byte("XX*\x00\x08\x00\x00\x00"),
		"ifd0 past end":          append([]byte("II*\x00"), 0xff, 0xff, 0xff, 0xff),
		"ifd0 inside header":     append([]byte("II*\x00"), 2, 0, 0, 0),
		"truncated":              good[:20],
		"exif pointer past end":  exifPtr(good, le, 0xFFFFFFF0),
		"exif pointer to itself": exifPtr(good, le, 8),
		"too many entries":       append(append([]byte("II*\x00\x08\x00\x00\x00"), 0xff, 0xff), make([]byte, 64)...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			x, err := parseExif(b)
			if err == nil && x.dateTimeOriginal != "" {
				t.Fatalf("parseExif = %+v, nil; want an error or no date", x)
			}
		})
	}
	// Orientation from IFD0 survives a broken Exif sub-IFD.
	x, err := parseExif(exifPtr(good, le, 0xFFFFFFF0))
	if err == nil || x.orientation != 6 {
		t.Fatalf("parseExif = %+v, %v; want orientation 6 and an error", x, err)
	}
}

func TestExifFromJPEGSkipsOtherSegments(t *testing.T) {
	tiff := buildTIFF(exifSpec{bo: le, dateTime: "2024:03:15 09:30:07"})
	jpg := jpegWithExif(t, quadrants(8, 8), tiff)
	// Put an XMP APP1 and fill bytes in front of the Exif APP1.
	xmp := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket...)
	seg := append([]byte{0xFF, 0xFF, 0xFF, 0xE1}, binary.BigEndian.AppendUint16(nil, uint16(len(xmp)+2))...)
	seg = append(seg, xmp...)
	data := append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
	if _, ok := CaptureTime(JPEG, data); !ok {
		t.Fatal("CaptureTime did not find the Exif APP1 after an XMP APP1")
	}
}
