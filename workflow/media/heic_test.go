package media

import (
	"encoding/binary"
	"testing"
	"time"
)

func box(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	b = append(b, typ...)
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

func fullBox(typ string, version byte, payload ...[]byte) []byte {
	return box(typ, append([][]byte{{version, 0, 0, 0}}, payload...)...)
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// heicWithExif lays out ftyp, meta (iinf with an hvc1 and an Exif item,
// iloc version ilocVersion) and mdat holding both items.
func heicWithExif(tiff []byte, ilocVersion byte) []byte {
	exifItem := append(append(be32(6), exifHeader...), tiff...)
	image := []byte("not really HEVC")
	build := func(imageOff, exifOff uint32) []byte {
		ft := box("ftyp", []byte("heic"), be32(0), []byte("mif1heic"))
		iinf := fullBox("iinf", 0, be16(2),
			fullBox("infe", 2, be16(1), be16(0), []byte("hvc1\x00")),
			fullBox("infe", 2, be16(2), be16(0), []byte("Exif\x00")))
		item := func(id uint16, off, n uint32) []byte {
			b := be16(id)
			if ilocVersion >= 1 {
				b = append(b, be16(0)...) // construction_method 0: file offset
			}
			b = append(b, be16(0)...) // data_reference_index
			b = append(b, be16(1)...) // one extent
			return append(append(b, be32(off)...), be32(n)...)
		}
		iloc := fullBox("iloc", ilocVersion, []byte{0x44, 0x00}, be16(2),
			item(1, imageOff, uint32(len(image))), item(2, exifOff, uint32(len(exifItem))))
		meta := fullBox("meta", 0, fullBox("hdlr", 0, be32(0), []byte("pict"), make([]byte, 13)), iinf, iloc)
		return append(ft, meta...)
	}
	head := build(0, 0)
	imageOff := uint32(len(head) + 8)
	exifOff := imageOff + uint32(len(image))
	return append(build(imageOff, exifOff), box("mdat", image, exifItem)...)
}

func TestCaptureTimeHEIC(t *testing.T) {
	for _, v := range []byte{0, 1} {
		for _, bo := range []order{le, be} {
			data := heicWithExif(buildTIFF(exifSpec{bo: bo, orientation: 1, dateTime: "2024:03:15 09:30:07", offset: "+08:00", gps: true}), v)
			if ct, err := Sniff(data); ct != HEIC {
				t.Fatalf("Sniff = %q, %v", ct, err)
			}
			got, ok := CaptureTime(HEIC, data)
			want := time.Date(2024, 3, 15, 1, 30, 7, 0, time.UTC)
			if !ok || !got.Equal(want) {
				t.Fatalf("iloc v%d: CaptureTime = %v, %v; want %v", v, got, ok, want)
			}
		}
	}
}

func TestCaptureTimeHEICMalformed(t *testing.T) {
	good := heicWithExif(buildTIFF(exifSpec{bo: le, dateTime: "2024:03:15 09:30:07"}), 1)
	for name, data := range map[string][]byte{
		"truncated":      good[:len(good)-20],
		"no meta":        ftyp("heic", "mif1", "heic"),
		"meta cut short": good[:60],
		"box size 1 with short header": append(box("ftyp", []byte("heic"), be32(0), []byte("mif1heic")),
			0, 0, 0, 1, 'm', 'e', 't', 'a', 0, 0),
	} {
		if tm, ok := CaptureTime(HEIC, data); ok {
			t.Errorf("%s: CaptureTime = %v, true", name, tm)
		}
	}
}

func FuzzCaptureTimeHEIC(f *testing.F) {
	tiff := buildTIFF(exifSpec{bo: le, dateTime: "2024:03:15 09:30:07"})
	f.Add(heicWithExif(tiff, 0))
	f.Add(heicWithExif(tiff, 1))
	f.Add(heicWithExif(tiff, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		CaptureTime(HEIC, data)
	})
}
