package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"hazardloop/model"
)

// This file is a small TIFF/EXIF reader: just enough to find Orientation
// and DateTimeOriginal. Every offset is checked against the buffer before
// use, arithmetic is done in uint64 so a hostile 0xFFFFFFFF cannot wrap,
// only the Exif sub-IFD is followed (once), and an IFD may have at most
// maxIFDEntries entries, so the work per file is bounded.

const (
	maxIFDEntries = 1024
	maxASCII      = 64 // the strings read here are ≤ 20 bytes

	tagOrientation        = 0x0112
	tagExifIFD            = 0x8769
	tagGPSIFD             = 0x8825
	tagDateTimeOriginal   = 0x9003
	tagOffsetTimeOriginal = 0x9011
	tagSubSecTimeOriginal = 0x9291

	typeByte      = 1
	typeASCII     = 2
	typeShort     = 3
	typeLong      = 4
	typeRational  = 5
	typeUndefined = 7
	typeIFD       = 13
)

var errBadTIFF = errors.New("media: malformed EXIF")

// typeSizes gives the byte size of one value of each TIFF field type.
var typeSizes = [...]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

// exifInfo is what we read from an EXIF block. Zero values mean absent.
type exifInfo struct {
	orientation        int // 1..8
	dateTimeOriginal   string
	offsetTimeOriginal string
	subSecTimeOriginal string
}

type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

type ifdEntry struct {
	typ   uint16
	count uint32
	val   []byte // count values of typ, within b
}

// parseExif reads a TIFF structure (what follows "Exif\0\0" in a JPEG).
func parseExif(b []byte) (exifInfo, error) {
	var x exifInfo
	if len(b) < 8 {
		return x, errBadTIFF
	}
	t := tiffReader{b: b}
	switch string(b[:4]) {
	case "II*\x00":
		t.bo = binary.LittleEndian
	case "MM\x00*":
		t.bo = binary.BigEndian
	default:
		return x, errBadTIFF
	}
	ifd0Off := t.bo.Uint32(b[4:8])
	ifd0, err := t.ifd(ifd0Off)
	if err != nil {
		return x, err
	}
	if e, ok := ifd0[tagOrientation]; ok {
		if v, ok := t.uint(e); ok && v >= 1 && v <= 8 {
			x.orientation = int(v)
		}
	}
	e, ok := ifd0[tagExifIFD]
	if !ok {
		return x, nil
	}
	exifOff, ok := t.uint(e)
	if !ok || exifOff == ifd0Off {
		return x, errBadTIFF
	}
	sub, err := t.ifd(exifOff)
	if err != nil {
		return x, err
	}
	x.dateTimeOriginal = t.ascii(sub[tagDateTimeOriginal])
	x.offsetTimeOriginal = t.ascii(sub[tagOffsetTimeOriginal])
	x.subSecTimeOriginal = t.ascii(sub[tagSubSecTimeOriginal])
	return x, nil
}

// ifd reads the directory at off: a 2-byte count, then 12-byte entries
// (tag, type, count, value or offset). Entries of unknown type, or whose
// value lies outside the buffer, are skipped.
func (t tiffReader) ifd(off uint32) (map[uint16]ifdEntry, error) {
	start := uint64(off)
	if start < 8 || start+2 > uint64(len(t.b)) {
		return nil, errBadTIFF
	}
	n := uint64(t.bo.Uint16(t.b[start:]))
	if n > maxIFDEntries || start+2+n*12 > uint64(len(t.b)) {
		return nil, errBadTIFF
	}
	m := make(map[uint16]ifdEntry, n)
	for i := uint64(0); i < n; i++ {
		e := t.b[start+2+i*12 : start+2+i*12+12]
		tag, typ, count := t.bo.Uint16(e[0:]), t.bo.Uint16(e[2:]), t.bo.Uint32(e[4:])
		if int(typ) >= len(typeSizes) || typeSizes[typ] == 0 {
			continue
		}
		size := typeSizes[typ] * uint64(count)
		var val []byte
		if size <= 4 {
			val = e[8 : 8+size]
		} else {
			voff := uint64(t.bo.Uint32(e[8:]))
			if voff+size > uint64(len(t.b)) {
				continue
			}
			val = t.b[voff : voff+size]
		}
		if _, dup := m[tag]; !dup {
			m[tag] = ifdEntry{typ: typ, count: count, val: val}
		}
	}
	return m, nil
}

// uint returns a single SHORT, LONG or IFD value.
func (t tiffReader) uint(e ifdEntry) (uint32, bool) {
	if e.count != 1 {
		return 0, false
	}
	switch e.typ {
	case typeShort:
		return uint32(t.bo.Uint16(e.val)), true
	case typeLong, typeIFD:
		return t.bo.Uint32(e.val), true
	}
	return 0, false
}

// ascii returns an ASCII value up to its first NUL, trimmed of spaces, or
// "" if it is not ASCII or is implausibly long.
func (t tiffReader) ascii(e ifdEntry) string {
	if e.typ != typeASCII || len(e.val) > maxASCII {
		return ""
	}
	v := e.val
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	for _, c := range v {
		if c < 0x20 || c > 0x7e {
			return ""
		}
	}
	return string(bytes.TrimSpace(v))
}

// captureTime interprets DateTimeOriginal with OffsetTimeOriginal and
// SubSecTimeOriginal.
func (x exifInfo) captureTime() (time.Time, bool) {
	s := x.dateTimeOriginal
	if len(s) != len("2006:01:02 15:04:05") {
		return time.Time{}, false
	}
	// A photo that does not record its offset is taken to be in China time:
	// the cameras and phones our reporters use are set to it.
	loc := model.Shanghai
	if x.offsetTimeOriginal != "" {
		l, ok := parseOffset(x.offsetTimeOriginal)
		if !ok {
			return time.Time{}, false
		}
		loc = l
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", s, loc)
	if err != nil || t.Year() < 1800 {
		return time.Time{}, false
	}
	if ss := x.subSecTimeOriginal; ss != "" && len(ss) <= 9 {
		ns := 0
		for i := 0; i < 9; i++ {
			d := 0
			if i < len(ss) {
				if ss[i] < '0' || ss[i] > '9' {
					return t, true // ignore a malformed fraction, keep the second
				}
				d = int(ss[i] - '0')
			}
			ns = ns*10 + d
		}
		t = t.Add(time.Duration(ns))
	}
	return t, true
}

// parseOffset reads an EXIF offset such as "+08:00" or "-05:30".
func parseOffset(s string) (*time.Location, bool) {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return nil, false
	}
	digit := func(c byte) (int, bool) { return int(c - '0'), c >= '0' && c <= '9' }
	h1, ok1 := digit(s[1])
	h2, ok2 := digit(s[2])
	m1, ok3 := digit(s[4])
	m2, ok4 := digit(s[5])
	h, m := h1*10+h2, m1*10+m2
	if !ok1 || !ok2 || !ok3 || !ok4 || h > 14 || m > 59 {
		return nil, false
	}
	secs := (h*60 + m) * 60
	if s[0] == '-' {
		secs = -secs
	}
	return time.FixedZone(s, secs), true
}
