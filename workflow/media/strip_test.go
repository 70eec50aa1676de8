package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// leaks are byte strings that must not survive StripLocation.
var leaks = []string{"Exif", "GPS", gpsMarker, "eXIf", "tEXt", "xmpmeta", "EXIF", "XMP "}

func assertNoLeaks(tb testing.TB, out []byte) {
	tb.Helper()
	for _, s := range leaks {
		if bytes.Contains(out, []byte(s)) {
			tb.Errorf("output still contains %q", s)
		}
	}
}

// quadrant colours of the output, top-left, top-right, bottom-left,
// bottom-right, for each orientation of a source that is R G / B W.
var oriented = map[uint16][4]color.RGBA{
	1: {red, green, blue, white},
	2: {green, red, white, blue},
	3: {white, blue, green, red},
	4: {blue, white, red, green},
	5: {red, blue, green, white},
	6: {blue, red, white, green},
	7: {white, green, blue, red},
	8: {green, white, red, blue},
}

func assertQuadrants(tb testing.TB, m image.Image, want [4]color.RGBA) {
	tb.Helper()
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	points := [4]image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
	for i, p := range points {
		r, g, bl, _ := m.At(b.Min.X+p.X, b.Min.Y+p.Y).RGBA()
		got := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}
		if !near(got, want[i]) {
			tb.Errorf("quadrant %d at %v: got %v, want %v", i, p, got, want[i])
		}
	}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return max(x, y)-min(x, y) < 48 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func TestStripLocationJPEGOrientation(t *testing.T) {
	const w, h = 64, 32
	for o := uint16(1); o <= 8; o++ {
		for _, bo := range []order{le, be} {
			tiff := buildTIFF(exifSpec{bo: bo, orientation: o, dateTime: "2024:03:15 09:30:07", gps: true})
			in := jpegWithExif(t, quadrants(w, h), tiff)
			if _, ok := CaptureTime(JPEG, in); !ok {
				t.Fatal("test JPEG has no capture time")
			}
			out, err := StripLocation(JPEG, in)
			if err != nil {
				t.Fatalf("orientation %d: %v", o, err)
			}
			assertNoLeaks(t, out)
			if exifFromJPEG(out) != nil {
				t.Errorf("orientation %d: output has an Exif APP1", o)
			}
			if _, ok := CaptureTime(JPEG, out); ok {
				t.Errorf("orientation %d: output still has a capture time", o)
			}
			if ct, err := Sniff(out); ct != JPEG {
				t.Errorf("orientation %d: output sniffs as %q, %v", o, ct, err)
			}
			m, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			wantW, wantH := w, h
			if o >= 5 {
				wantW, wantH = h, w
			}
			if m.Bounds().Dx() != wantW || m.Bounds().Dy() != wantH {
				t.Errorf("orientation %d: %v, want %dx%d", o, m.Bounds().Size(), wantW, wantH)
			}
			assertQuadrants(t, m, oriented[o])
		}
	}
}

func TestStripLocationJPEGWithoutExif(t *testing.T) {
	in := jpegWithExif(t, quadrants(20, 10), nil)
	out, err := StripLocation(JPEG, in)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if m.Bounds().Size() != image.Pt(20, 10) {
		t.Fatalf("size %v", m.Bounds().Size())
	}
	assertQuadrants(t, m, oriented[1])
}

func TestStripLocationGrayJPEG(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 30, 10))
	for x := 0; x < 15; x++ {
		for y := 0; y < 10; y++ {
			g.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	in := jpegWithExif(t, g, buildTIFF(exifSpec{bo: le, orientation: 8, gps: true}))
	out, err := StripLocation(JPEG, in)
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeaks(t, out)
	m, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// Rotated CCW: the white left half is now the bottom half.
	if m.Bounds().Size() != image.Pt(10, 30) {
		t.Fatalf("size %v", m.Bounds().Size())
	}
	top, _, _, _ := m.At(5, 5).RGBA()
	bottom, _, _, _ := m.At(5, 25).RGBA()
	if top > 0x3000 || bottom < 0xc000 {
		t.Fatalf("top %x bottom %x: not rotated counter-clockwise", top, bottom)
	}
}

func TestStripLocationPNG(t *testing.T) {
	for o := uint16(1); o <= 8; o++ {
		tiff := buildTIFF(exifSpec{bo: be, orientation: o, dateTime: "2024:03:15 09:30:07", gps: true})
		in := pngWithMeta(t, quadrants(40, 20), tiff)
		out, err := StripLocation(PNG, in)
		if err != nil {
			t.Fatal(err)
		}
		assertNoLeaks(t, out)
		m, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		want := image.Pt(40, 20)
		if o >= 5 {
			want = image.Pt(20, 40)
		}
		if m.Bounds().Size() != want {
			t.Errorf("orientation %d: size %v, want %v", o, m.Bounds().Size(), want)
		}
		assertQuadrants(t, m, oriented[o])
	}
}

func TestStripLocationWebP(t *testing.T) {
	for _, bo := range []order{le, be} {
		in := webpWithMeta(buildTIFF(exifSpec{bo: bo, orientation: 6, dateTime: "2024:03:15 09:30:07", gps: true}))
		if _, ok := CaptureTime(WebP, in); !ok {
			t.Fatal("test WebP has no capture time")
		}
		out, err := StripLocation(WebP, in)
		if err != nil {
			t.Fatal(err)
		}
		assertNoLeaks(t, out)
		want := riff(riffChunkBytes("VP8X", vp8x(0x10)), riffChunkBytes("VP8L", vp8l1x1))
		if !bytes.Equal(out, want) {
			t.Fatalf("StripLocation(WebP):\n got %x\nwant %x", out, want)
		}
		if ct, err := Sniff(out); ct != WebP {
			t.Fatalf("output sniffs as %q, %v", ct, err)
		}
	}
}

func TestStripWebPContainer(t *testing.T) {
	simple := riff(riffChunkBytes("VP8L", vp8l1x1))
	tiff := buildTIFF(exifSpec{bo: le, gps: true})
	// An odd-length final chunk without its padding byte.
	oddExif := append(riff(riffChunkBytes("VP8L", vp8l1x1)), riffChunkBytes("EXIF", append(tiff, 1))...)
	oddExif = oddExif[:len(oddExif)-1]
	binary.LittleEndian.PutUint32(oddExif[4:], uint32(len(oddExif)-8))

	cases := []struct {
		name string
		in   []byte
		want []byte // nil: want ErrMalformed
	}{
		{"no metadata is unchanged", simple, simple},
		{"trailing bytes after RIFF are dropped", append(append([]byte{}, simple...), gpsMarker...), simple},
		{"EXIF in a simple file", riff(riffChunkBytes("VP8L", vp8l1x1), riffChunkBytes("EXIF", tiff)), simple},
		{"odd final chunk without padding", oddExif, simple},
		{"animated keeps frames", riff(riffChunkBytes("VP8X", vp8x(0x02|vp8xFlagXMP)), riffChunkBytes("ANIM", make([]byte, 6)),
			riffChunkBytes("ANMF", append(make([]byte, 16), riffChunkBytes("VP8L", vp8l1x1)...)), riffChunkBytes("XMP ", []byte(xmpPacket))),
			riff(riffChunkBytes("VP8X", vp8x(0x02)), riffChunkBytes("ANIM", make([]byte, 6)),
				riffChunkBytes("ANMF", append(make([]byte, 16), riffChunkBytes("VP8L", vp8l1x1)...)))},

		{"not RIFF", []byte("RIFX\x04\x00\x00\x00WEBP"), nil},
		{"RIFF size past end", func() []byte {
			b := append([]byte{}, simple...)
			binary.LittleEndian.PutUint32(b[4:], 1000)
			return b
		}(), nil},
		{"RIFF size 0", []byte("RIFF\x00\x00\x00\x00WEBP"), nil},
		{"no chunks", []byte("RIFF\x04\x00\x00\x00WEBP"), nil},
		{"chunk past end", riff([]byte("VP8L\xff\xff\xff\xff\x2f")), nil},
		{"half a chunk header", riff([]byte("VP8L\x01")), nil},
		{"short VP8X", riff(riffChunkBytes("VP8X", []byte{0x08}), riffChunkBytes("VP8L", vp8l1x1)), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := StripLocation(WebP, tc.in)
			if tc.want == nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("StripLocation = %x, %v; want ErrMalformed", out, err)
				}
				return
			}
			if err != nil || !bytes.Equal(out, tc.want) {
				t.Fatalf("StripLocation = %x, %v\nwant %x", out, err, tc.want)
			}
		})
	}
}

func TestStripLocationOtherTypes(t *testing.T) {
	if _, err := StripLocation(HEIC, ftyp("heic", "mif1", "heic")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("HEIC: %v, want ErrUnsupported", err)
	}
	for ct, data := range map[string][]byte{
		PDF:  []byte("%PDF-1.7 /GPS"),
		DOCX: docxFile(t),
		XLSX: xlsxFile(t),
		"":   []byte("anything"),
	} {
		out, err := StripLocation(ct, data)
		if err != nil || !bytes.Equal(out, data) {
			t.Errorf("%q: StripLocation changed a non-photo (err %v)", ct, err)
		}
	}
}

// pngHeader is a PNG signature and IHDR claiming w×h, then IEND.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	b := append([]byte{}, pngSignature...)
	b = append(b, pngChunk("IHDR", ihdr)...)
	return append(b, pngChunk("IEND", nil)...)
}

// withJPEGSize patches the frame header of a baseline JPEG to claim w×h.
func withJPEGSize(tb testing.TB, data []byte, w, h uint16) []byte {
	tb.Helper()
	b := append([]byte{}, data...)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		tb.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

func TestStripLocationRefusesBombsAndJunk(t *testing.T) {
	small := jpegWithExif(t, quadrants(16, 16), nil)
	cases := []struct {
		name string
		ct   string
		data []byte
		want error
	}{
		{"png 100000x100000", PNG, pngHeader(100_000, 100_000), ErrTooLarge},
		{"png 10000x5001", PNG, pngHeader(10_000, 5_001), ErrTooLarge},
		{"jpeg 65535x65535", JPEG, withJPEGSize(t, small, 65535, 65535), ErrTooLarge},
		{"jpeg 8000x6251", JPEG, withJPEGSize(t, small, 8000, 6251), ErrTooLarge},
		{"jpeg truncated", JPEG, small[:len(small)/2], ErrMalformed},
		{"jpeg header only", JPEG, []byte{0xFF, 0xD8, 0xFF}, ErrMalformed},
		{"png claimed but jpeg", PNG, small, ErrMalformed},
		{"elf as jpeg", JPEG, []byte("\x7fELF\x02\x01\x01"), ErrMalformed},
		{"png no pixels", PNG, pngHeader(4, 4), ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := StripLocation(tc.ct, tc.data)
			if !errors.Is(err, tc.want) || out != nil {
				t.Fatalf("StripLocation = %d bytes, %v; want %v", len(out), err, tc.want)
			}
		})
	}
}

func TestCheckPixels(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want error
	}{
		{1, 1, nil}, {10_000, 5_000, nil}, {50_000_000, 1, nil},
		{10_000, 5_001, ErrTooLarge}, {1 << 30, 1 << 30, ErrTooLarge},
		{0, 10, ErrMalformed}, {10, -1, ErrMalformed},
	} {
		if err := checkPixels(tc.w, tc.h); !errors.Is(err, tc.want) {
			t.Errorf("checkPixels(%d, %d) = %v, want %v", tc.w, tc.h, err, tc.want)
		}
	}
}

func TestLeakListIsMeaningful(t *testing.T) {
	// The inputs really carry what assertNoLeaks looks for.
	tiff := buildTIFF(exifSpec{bo: le, gps: true})
	for name, in := range map[string][]byte{
		"jpeg": jpegWithExif(t, quadrants(8, 8), tiff),
		"png":  pngWithMeta(t, quadrants(8, 8), tiff),
		"webp": webpWithMeta(tiff),
	} {
		if !strings.Contains(string(in), gpsMarker) {
			t.Errorf("%s input lacks the GPS marker", name)
		}
	}
}
