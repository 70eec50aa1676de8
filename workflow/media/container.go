package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// CaptureTime returns when a photo was taken: EXIF DateTimeOriginal (tag
// 0x9003 in the Exif sub-IFD), in the zone given by OffsetTimeOriginal
// (0x9011) if present, else in China time (fixed UTC+8), plus
// SubSecTimeOriginal if present. It reads the EXIF of a JPEG (APP1
// "Exif\0\0"), a WebP (EXIF chunk), a PNG (eXIf chunk) or a HEIC (the Exif
// item, when iloc gives it as one extent of the file).
// ok is false when the type is not one of those, or the EXIF or the time is
// absent or malformed.
func CaptureTime(contentType string, data []byte) (t time.Time, ok bool) {
	raw := exifBlock(contentType, data)
	if raw == nil {
		return time.Time{}, false
	}
	x, err := parseExif(raw)
	if err != nil {
		return time.Time{}, false
	}
	return x.captureTime()
}

// exifBlock returns the TIFF structure embedded in data, or nil.
func exifBlock(contentType string, data []byte) []byte {
	switch contentType {
	case JPEG:
		return exifFromJPEG(data)
	case WebP:
		return exifFromWebP(data)
	case PNG:
		return exifFromPNG(data)
	case HEIC:
		return exifFromHEIC(data)
	}
	return nil
}

var exifHeader = []byte("Exif\x00\x00")

// exifFromJPEG walks the marker segments before the first scan and returns
// the payload of the first APP1 segment that starts with "Exif\0\0".
func exifFromJPEG(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return nil
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // no length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, exifHeader) {
			return seg[len(exifHeader):]
		}
		i += 2 + n
	}
	return nil
}

// riffChunk is one chunk of a WebP file.
type riffChunk struct {
	fourCC  string
	payload []byte
}

// webpChunks splits a WebP file into its chunks. Bytes after the length
// the RIFF header declares are ignored; a chunk running past it is an error.
// The final chunk may lack its padding byte.
func webpChunks(data []byte) ([]riffChunk, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, fmt.Errorf("%w: not a RIFF WEBP file", ErrMalformed)
	}
	end := 8 + uint64(binary.LittleEndian.Uint32(data[4:8]))
	if end < 12 || end > uint64(len(data)) {
		return nil, fmt.Errorf("%w: RIFF size %d for %d bytes", ErrMalformed, end-8, len(data))
	}
	var chunks []riffChunk
	for i := uint64(12); i < end; {
		if i+8 > end {
			return nil, fmt.Errorf("%w: truncated chunk header at %d", ErrMalformed, i)
		}
		size := uint64(binary.LittleEndian.Uint32(data[i+4 : i+8]))
		if i+8+size > end {
			return nil, fmt.Errorf("%w: chunk %q overruns the file", ErrMalformed, data[i:i+4])
		}
		chunks = append(chunks, riffChunk{fourCC: string(data[i : i+4]), payload: data[i+8 : i+8+size]})
		i += 8 + size + size&1
	}
	if len(chunks) == 0 {
		return nil, fmt.Errorf("%w: no chunks", ErrMalformed)
	}
	return chunks, nil
}

// exifFromWebP returns the payload of the EXIF chunk. The WebP spec says it
// holds the TIFF structure directly; some writers put "Exif\0\0" first.
func exifFromWebP(data []byte) []byte {
	chunks, err := webpChunks(data)
	if err != nil {
		return nil
	}
	for _, c := range chunks {
		if c.fourCC == "EXIF" {
			return bytes.TrimPrefix(c.payload, exifHeader)
		}
	}
	return nil
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// exifFromPNG returns the payload of the eXIf chunk. CRCs are not checked:
// the decoder does that when it matters.
func exifFromPNG(data []byte) []byte {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil
	}
	for i := uint64(len(pngSignature)); i+12 <= uint64(len(data)); {
		size := uint64(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if i+12+size > uint64(len(data)) {
			return nil
		}
		switch typ {
		case "eXIf":
			return bytes.TrimPrefix(data[i+8:i+8+size], exifHeader)
		case "IEND":
			return nil
		}
		i += 12 + size
	}
	return nil
}
