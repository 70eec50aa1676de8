package media

// Builders for real files used by the tests: EXIF/TIFF blocks, JPEG with
// APP1, PNG with eXIf and tEXt, WebP with VP8X/EXIF/XMP, OOXML zips.

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sort"
	"testing"
)

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // already in the file's byte order
}

// order is what binary.LittleEndian and binary.BigEndian both are.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type exifSpec struct {
	bo          order
	orientation uint16 // 0: no tag
	dateTime    string // DateTimeOriginal, "" for none
	offset      string // OffsetTimeOriginal
	subSec      string
	gps         bool
}

const gpsMarker = "GPS-SECRET-WGS-84" // an ASCII value in the GPS IFD to look for

func asciiVal(s string) []byte { return append([]byte(s), 0) }

func shortVal(bo order, v uint16) []byte { return bo.AppendUint16(nil, v) }

func longVal(bo order, v uint32) []byte { return bo.AppendUint32(nil, v) }

func rationals(bo order, vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = bo.AppendUint32(b, v)
	}
	return b
}

// encodeIFD lays out one IFD at absolute offset base: count, entries
// (sorted by tag), next-IFD offset 0, then the values longer than 4 bytes.
func encodeIFD(bo order, base uint32, entries []tiffEntry) []byte {
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })
	head := 2 + 12*len(entries) + 4
	var ifd, extra []byte
	ifd = bo.AppendUint16(ifd, uint16(len(entries)))
	for _, e := range entries {
		ifd = bo.AppendUint16(ifd, e.tag)
		ifd = bo.AppendUint16(ifd, e.typ)
		ifd = bo.AppendUint32(ifd, e.count)
		if len(e.data) <= 4 {
			v := make([]byte, 4)
			copy(v, e.data)
			ifd = append(ifd, v...)
		} else {
			ifd = bo.AppendUint32(ifd, base+uint32(head+len(extra)))
			extra = append(extra, e.data...)
			if len(extra)%2 == 1 {
				extra = append(extra, 0)
			}
		}
	}
	ifd = bo.AppendUint32(ifd, 0)
	return append(ifd, extra...)
}

// buildTIFF returns a TIFF block: IFD0 (Orientation, Make, pointers), the
// Exif IFD (dates) and the GPS IFD.
func buildTIFF(s exifSpec) []byte {
	bo := s.bo
	var exif, gps []tiffEntry
	if s.dateTime != "" {
		exif = append(exif, tiffEntry{tagDateTimeOriginal, typeASCII, uint32(len(s.dateTime) + 1), asciiVal(s.dateTime)})
	}
	if s.offset != "" {
		exif = append(exif, tiffEntry{tagOffsetTimeOriginal, typeASCII, uint32(len(s.offset) + 1), asciiVal(s.offset)})
	}
	if s.subSec != "" {
		exif = append(exif, tiffEntry{tagSubSecTimeOriginal, typeASCII, uint32(len(s.subSec) + 1), asciiVal(s.subSec)})
	}
	if s.gps {
		gps = []tiffEntry{
			{0x0000, typeByte, 4, []byte{2, 3, 0, 0}},                            // GPSVersionID
			{0x0001, typeASCII, 2, asciiVal("N")},                                // GPSLatitudeRef
			{0x0002, typeRational, 3, rationals(bo, 31, 1, 13, 1, 4567, 100)},    // GPSLatitude
			{0x0003, typeASCII, 2, asciiVal("E")},                                // GPSLongitudeRef
			{0x0004, typeRational, 3, rationals(bo, 121, 1, 28, 1, 1234, 100)},   // GPSLongitude
			{0x0012, typeASCII, uint32(len(gpsMarker) + 1), asciiVal(gpsMarker)}, // GPSMapDatum
		}
	}
	build := func(exifOff, gpsOff uint32) []byte {
		ifd0 := []tiffEntry{{0x010F, typeASCII, 8, asciiVal("Camera1")}} // Make
		if s.orientation != 0 {
			ifd0 = append(ifd0, tiffEntry{tagOrientation, typeShort, 1, shortVal(bo, s.orientation)})
		}
		if exif != nil {
			ifd0 = append(ifd0, tiffEntry{tagExifIFD, typeLong, 1, longVal(bo, exifOff)})
		}
		if gps != nil {
			ifd0 = append(ifd0, tiffEntry{tagGPSIFD, typeLong, 1, longVal(bo, gpsOff)})
		}
		var b []byte
		if bo == order(binary.LittleEndian) {
			b = []byte("II*\x00")
		} else {
			b = []byte("MM\x00*")
		}
		b = bo.AppendUint32(b, 8)
		return append(b, encodeIFD(bo, 8, ifd0)...)
	}
	// Pointer values do not change IFD0's length: lay out once to measure.
	b := build(0, 0)
	exifOff := uint32(len(b))
	exifIFD := encodeIFD(bo, exifOff, exif)
	gpsOff := exifOff + uint32(len(exifIFD))
	b = build(exifOff, gpsOff)
	if exif != nil {
		b = append(b, exifIFD...)
	}
	if gps != nil {
		b = append(b, encodeIFD(bo, gpsOff, gps)...)
	}
	return b
}

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants is a w×h image: red top-left, green top-right, blue
// bottom-left, white bottom-right.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := [2][2]color.RGBA{{red, green}, {blue, white}}[y*2/h][x*2/w]
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// jpegWithExif encodes m and inserts an APP1 Exif segment after SOI.
func jpegWithExif(tb testing.TB, m image.Image, tiff []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		tb.Fatal(err)
	}
	plain := buf.Bytes()
	if tiff == nil {
		return plain
	}
	payload := append(append([]byte{}, exifHeader...), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, plain[:2]...)
	out = append(out, seg...)
	return append(out, plain[2:]...)
}

func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngWithMeta encodes m and inserts eXIf (if tiff != nil) and tEXt chunks
// after IHDR.
func pngWithMeta(tb testing.TB, m image.Image, tiff []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatal(err)
	}
	plain := buf.Bytes()
	const ihdrEnd = 8 + 12 + 13
	out := append([]byte{}, plain[:ihdrEnd]...)
	if tiff != nil {
		out = append(out, pngChunk("eXIf", tiff)...)
	}
	out = append(out, pngChunk("tEXt", []byte("Comment\x00"+gpsMarker))...)
	return append(out, plain[ihdrEnd:]...)
}

// vp8l1x1 is a 1×1 lossless WebP bitstream (the VP8L chunk payload) from
// the well-known 26-byte feature-detection image
// UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==.
var vp8l1x1 = func() []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		panic(err)
	}
	return b[20 : 20+13]
}()

func riffChunkBytes(fourCC string, payload []byte) []byte {
	b := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	b = append(b, payload...)
	if len(payload)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func riff(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	b = append(b, "WEBP"...)
	return append(b, body...)
}

// vp8x returns a VP8X payload for a 1×1 canvas with the given flags.
func vp8x(flags byte) []byte { return []byte{flags, 0, 0, 0, 0, 0, 0, 0, 0, 0} }

const xmpPacket = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,13.45N"/></rdf:RDF></x:xmpmeta>`

// webpWithMeta is an extended WebP (VP8X, alpha + EXIF + XMP flags) with a
// VP8L image, an EXIF chunk and an XMP chunk.
func webpWithMeta(tiff []byte) []byte {
	return riff(
		riffChunkBytes("VP8X", vp8x(0x10|vp8xFlagEXIF|vp8xFlagXMP)),
		riffChunkBytes("VP8L", vp8l1x1),
		riffChunkBytes("EXIF", tiff),
		riffChunkBytes("XMP ", []byte(xmpPacket)),
	)
}

// ooxml builds a zip with the given entries, in order.
func ooxml(tb testing.TB, files ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

const relsXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/></Relationships>`

func contentTypesXML(partName, mainType string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="` + partName + `" ContentType="` + mainType + `"/></Types>`
}

func docxFile(tb testing.TB) []byte {
	return ooxml(tb,
		"[Content_Types].xml", contentTypesXML("/word/document.xml", docxMainType),
		"_rels/.rels", relsXML,
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hazard</w:t></w:r></w:p></w:body></w:document>`,
	)
}

func xlsxFile(tb testing.TB) []byte {
	return ooxml(tb,
		"[Content_Types].xml", contentTypesXML("/xl/workbook.xml", xlsxMainType),
		"_rels/.rels", relsXML,
		"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>`,
	)
}

// ftyp returns an ISO-BMFF file start: an ftyp box and an empty meta box.
func ftyp(major string, compatible ...string) []byte {
	body := append([]byte(major), 0, 0, 0, 0)
	for _, c := range compatible {
		body = append(body, c...)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	b = append(b, "ftyp"...)
	b = append(b, body...)
	return append(b, 0, 0, 0, 8, 'm', 'e', 't', 'a')
}
