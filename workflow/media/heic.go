package media

import "encoding/binary"

// HEIC keeps EXIF as an item of type "Exif": meta/iinf names the item,
// meta/iloc says where its bytes are, and those bytes start with a 4-byte
// offset to the TIFF header. Only what that path needs is parsed; every
// length is checked, and item data must be a single extent in the file.

// bmffBoxes calls fn with the type and payload of each box in b, until fn
// returns false. It reports false if a box header is malformed.
func bmffBoxes(b []byte, fn func(typ string, payload []byte) bool) bool {
	n := uint64(len(b))
	for i := uint64(0); i < n; {
		if n-i < 8 {
			return false
		}
		size, hdr := uint64(binary.BigEndian.Uint32(b[i:])), uint64(8)
		typ := string(b[i+4 : i+8])
		switch size {
		case 0: // to the end
			size = n - i
		case 1: // 64-bit size follows
			if n-i < 16 {
				return false
			}
			size, hdr = binary.BigEndian.Uint64(b[i+8:]), 16
		}
		if size < hdr || size > n-i {
			return false
		}
		if !fn(typ, b[i+hdr:i+size]) {
			return true
		}
		i += size
	}
	return true
}

// childBox returns the payload of the first box of type typ in b.
func childBox(b []byte, typ string) []byte {
	var found []byte
	bmffBoxes(b, func(t string, p []byte) bool {
		if t == typ {
			found = p
			return false
		}
		return true
	})
	return found
}

// cursor reads big-endian integers and stops at the first short read.
type cursor struct {
	b  []byte
	ok bool
}

func (c *cursor) uint(size int) uint64 {
	if !c.ok || size < 0 || size > 8 || len(c.b) < size {
		c.ok = false
		return 0
	}
	var v uint64
	for _, x := range c.b[:size] {
		v = v<<8 | uint64(x)
	}
	c.b = c.b[size:]
	return v
}

func exifFromHEIC(data []byte) []byte {
	if !isHEIF(data) {
		return nil
	}
	meta := childBox(data, "meta")
	if len(meta) < 4 {
		return nil
	}
	meta = meta[4:] // version and flags
	id, ok := exifItemID(childBox(meta, "iinf"))
	if !ok {
		return nil
	}
	off, length, ok := itemExtent(childBox(meta, "iloc"), id)
	if !ok || off > uint64(len(data)) || length > uint64(len(data))-off || length < 4 {
		return nil
	}
	item := data[off : off+length]
	skip := uint64(binary.BigEndian.Uint32(item))
	if skip > uint64(len(item))-4 {
		return nil
	}
	return item[4+skip:]
}

// exifItemID finds the item_ID of the infe entry whose item_type is "Exif".
func exifItemID(iinf []byte) (uint64, bool) {
	countSize := 2 // version 0: 16-bit entry_count, else 32-bit
	if len(iinf) > 0 && iinf[0] != 0 {
		countSize = 4
	}
	if len(iinf) < 4+countSize {
		return 0, false
	}
	entries := iinf[4+countSize:]
	var id uint64
	found := false
	bmffBoxes(entries, func(t string, p []byte) bool {
		if t != "infe" || len(p) < 4 || p[0] < 2 {
			return true
		}
		c := cursor{b: p[4:], ok: true}
		itemID := c.uint(2)
		if p[0] >= 3 {
			itemID = itemID<<16 | c.uint(2)
		}
		c.uint(2) // protection index
		typ := c.b
		if c.ok && len(typ) >= 4 && string(typ[:4]) == "Exif" {
			id, found = itemID, true
			return false
		}
		return true
	})
	return id, found
}

// itemExtent returns the file offset and length of item id's only extent.
func itemExtent(iloc []byte, id uint64) (off, length uint64, ok bool) {
	if len(iloc) < 6 {
		return 0, 0, false
	}
	version := iloc[0]
	if version > 2 {
		return 0, 0, false
	}
	c := cursor{b: iloc[4:], ok: true}
	sizes := c.uint(2)
	offSize, lenSize, baseSize := int(sizes>>12&15), int(sizes>>8&15), int(sizes>>4&15)
	idxSize := 0
	if version >= 1 {
		idxSize = int(sizes & 15)
	}
	if offSize+lenSize+idxSize == 0 {
		// Extents would take no bytes: a hostile count could spin.
		return 0, 0, false
	}
	idSize := 2
	if version == 2 {
		idSize = 4
	}
	count := c.uint(idSize)
	for i := uint64(0); i < count && c.ok; i++ {
		itemID := c.uint(idSize)
		method := uint64(0)
		if version >= 1 {
			method = c.uint(2) & 15
		}
		c.uint(2) // data_reference_index
		base := c.uint(baseSize)
		extents := c.uint(2)
		var first [2]uint64
		for e := uint64(0); e < extents && c.ok; e++ {
			c.uint(idxSize)
			o, l := c.uint(offSize), c.uint(lenSize)
			if e == 0 {
				first = [2]uint64{o, l}
			}
		}
		if c.ok && itemID == id {
			if method != 0 || extents != 1 || first[1] == 0 || base > ^uint64(0)-first[0] {
				return 0, 0, false
			}
			return base + first[0], first[1], true
		}
	}
	return 0, 0, false
}
