package workflow

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"hazardloop/model"
)

// ComposePlace is where a hazard lies as every document states it: the full
// name of its region (chain: the names from the province down to the hazard's
// region) followed by the place as given, without repeating what the place
// already says. People write a place from any level down — "胜利路12号",
// "东湖区胜利路12号", "南昌市东湖区…", "江西省南昌市东湖区…", "南昌东湖区…"
// — so the levels the place starts with are not repeated: the result is the
// chain down to the deepest level the place names, then the rest of the place.
// A level whose name already contains its parent's ("九江市" over
// "九江市第6县区") stands for both. Spaces are dropped except between two
// latin words or numbers ("A 栋" keeps none, "Block B" keeps its one).
func ComposePlace(chain []string, place string) string {
	levels := chainLevels(chain)
	rest := squeezeSpaces(place)
	deepest := -1
	for {
		j, n := leadingLevel(levels, deepest+1, rest)
		if j < 0 {
			break
		}
		rest, deepest = rest[n:], j
	}
	if deepest < 0 {
		deepest = len(levels) - 1
	}
	return strings.Join(levels[:deepest+1], "") + rest
}

// chainLevels are the names of chain that are not empty, without a level whose
// name the next one starts with (the next one says it already).
func chainLevels(chain []string) []string {
	var out []string
	for i, n := range chain {
		n = squeezeSpaces(n)
		if n == "" {
			continue
		}
		if i+1 < len(chain) && strings.HasPrefix(squeezeSpaces(chain[i+1]), n) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// leadingLevel finds the level of levels, from from down, that s starts with:
// its index and the bytes of s that name it; -1 if none. A level may be named
// by its short form (江西 for 江西省, 南昌 for 南昌市) only when a lower level
// (itself in full or short) follows at once, since "南昌路" is a road, not the city.
func leadingLevel(levels []string, from int, s string) (int, int) {
	for j := from; j < len(levels); j++ {
		if strings.HasPrefix(s, levels[j]) {
			return j, len(levels[j])
		}
	}
	for j := from; j < len(levels); j++ {
		short := shortName(levels[j])
		if short == "" || !strings.HasPrefix(s, short) {
			continue
		}
		if k, _ := leadingLevel(levels, j+1, s[len(short):]); k >= 0 {
			return j, len(short)
		}
	}
	return -1, 0
}

// shortName is a region's name without its generic suffix (省, 市, 区, 县),
// or "" when that leaves fewer than two characters.
func shortName(n string) string {
	for _, suf := range []string{"省", "市", "区", "县"} {
		if s, ok := strings.CutSuffix(n, suf); ok && utf8.RuneCountInString(s) >= 2 {
			return s
		}
	}
	return ""
}

// squeezeSpaces drops the white space of s but a single space between two
// latin letters or digits.
func squeezeSpaces(s string) string {
	f := strings.Fields(s)
	var b strings.Builder
	for i, w := range f {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(f[i-1])
			next, _ := utf8.DecodeRuneInString(w)
			if latin(prev) && latin(next) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w)
	}
	return b.String()
}

func latin(r rune) bool { return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// regionChain returns the names of region code and those above it, from the
// province down (those of the regions table; a level it lacks is skipped).
func (e *core) regionChain(ctx context.Context, code string) ([]string, error) {
	codes := append(regionAncestors(code), code)
	rs, err := e.store.RegionsByCode(ctx, codes)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		for _, r := range rs {
			if r.Code == c {
				names = append(names, r.Name)
			}
		}
	}
	return names, nil
}

// hazardPlace is ComposePlace for hazard h.
func (e *core) hazardPlace(ctx context.Context, h *model.Hazard) (string, error) {
	chain, err := e.regionChain(ctx, h.RegionCode)
	if err != nil {
		return "", err
	}
	return ComposePlace(chain, h.Location), nil
}
