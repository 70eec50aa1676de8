package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
)

// StripLocation returns the photo without location data, for photos from
// the public.
//
//   - JPEG: decoded, turned upright by its EXIF Orientation (1–8), and
//     re-encoded at quality 90, which drops every APP segment: EXIF
//     (GPS included), XMP, ICC, comments.
//   - PNG: decoded, turned upright by its eXIf Orientation if any, and
//     re-encoded, which drops eXIf and text chunks.
//   - WebP: the EXIF and XMP chunks are removed from the RIFF container, the
//     VP8X flags for them cleared and the RIFF size fixed; anything after the
//     declared RIFF size is dropped. Pixels are untouched.
//   - HEIC: ErrUnsupported (callers refuse HEIC from the public).
//   - Any other type is returned unchanged.
//
// JPEG and PNG larger than MaxPixels return ErrTooLarge without being
// decoded; a file that does not parse returns an error wrapping ErrMalformed.
func StripLocation(contentType string, data []byte) ([]byte, error) {
	switch contentType {
	case JPEG:
		return reencode(data, jpeg.DecodeConfig, jpeg.Decode, exifFromJPEG, func(b *bytes.Buffer, m image.Image) error {
			return jpeg.Encode(b, m, &jpeg.Options{Quality: 90})
		})
	case PNG:
		return reencode(data, png.DecodeConfig, png.Decode, exifFromPNG, func(b *bytes.Buffer, m image.Image) error {
			return png.Encode(b, m)
		})
	case WebP:
		return stripWebP(data)
	case HEIC:
		return nil, fmt.Errorf("%w: cannot strip location from HEIC", ErrUnsupported)
	}
	return data, nil
}

func reencode(
	data []byte,
	decodeConfig func(r io.Reader) (image.Config, error),
	decode func(r io.Reader) (image.Image, error),
	exif func([]byte) []byte,
	encode func(*bytes.Buffer, image.Image) error,
) ([]byte, error) {
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := checkPixels(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	m, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	orientation := 1
	if raw := exif(data); raw != nil {
		// Orientation is in IFD0; keep it even if the Exif sub-IFD is bad.
		if x, _ := parseExif(raw); x.orientation != 0 {
			orientation = x.orientation
		}
	}
	m = orient(m, orientation)
	var buf bytes.Buffer
	buf.Grow(len(data))
	if err := encode(&buf, m); err != nil {
		return nil, fmt.Errorf("media: re-encoding: %w", err)
	}
	return buf.Bytes(), nil
}

// orient returns src turned as EXIF orientation o asks, so that it displays
// the same without the tag. Orientations 5–8 swap width and height.
//
//	1 as is         2 mirror left-right   3 rotate 180     4 mirror top-bottom
//	5 transpose     6 rotate 90° CW       7 transverse     8 rotate 90° CCW
func orient(src image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	at := pixelReader(src)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			at(dst.Pix[dy*dst.Stride+dx*4:dy*dst.Stride+dx*4+4], x, y)
		}
	}
	return dst
}

// pixelReader returns a function writing the non-premultiplied RGBA of
// src's pixel (x, y), relative to its bounds, into p. Camera JPEGs are
// YCbCr and read directly; anything else is converted to NRGBA once.
func pixelReader(src image.Image) func(p []byte, x, y int) {
	b := src.Bounds()
	switch m := src.(type) {
	case *image.YCbCr:
		return func(p []byte, x, y int) {
			yi, ci := m.YOffset(b.Min.X+x, b.Min.Y+y), m.COffset(b.Min.X+x, b.Min.Y+y)
			p[0], p[1], p[2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			p[3] = 0xff
		}
	case *image.Gray:
		return func(p []byte, x, y int) {
			v := m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y)]
			p[0], p[1], p[2], p[3] = v, v, v, 0xff
		}
	}
	n, ok := src.(*image.NRGBA)
	if !ok {
		n = image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(n, n.Bounds(), src, b.Min, draw.Src)
		b = n.Bounds()
	}
	return func(p []byte, x, y int) {
		i := n.PixOffset(b.Min.X+x, b.Min.Y+y)
		copy(p, n.Pix[i:i+4])
	}
}

const (
	vp8xFlagEXIF = 0x08
	vp8xFlagXMP  = 0x04
)

// stripWebP rewrites the RIFF container without EXIF and XMP chunks.
func stripWebP(data []byte) ([]byte, error) {
	chunks, err := webpChunks(data)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 12, len(data))
	copy(out, "RIFF\x00\x00\x00\x00WEBP")
	for _, c := range chunks {
		payload := c.payload
		switch c.fourCC {
		case "EXIF", "XMP ":
			continue
		case "VP8X":
			if len(payload) < 10 {
				return nil, fmt.Errorf("%w: VP8X chunk of %d bytes", ErrMalformed, len(payload))
			}
			payload = bytes.Clone(payload)
			payload[0] &^= vp8xFlagEXIF | vp8xFlagXMP
		}
		out = append(out, c.fourCC...)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
		out = append(out, payload...)
		if len(payload)%2 == 1 {
			out = append(out, 0)
		}
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
