package model

import (
	"context"
	"sort"

	"gorm.io/gorm"
)

// Box is a rectangle of WGS-84 degrees: the place around a point that a
// duplicate lookup searches (the caller makes it a little larger than the
// circle it then measures).
type Box struct {
	MinLat, MaxLat, MinLng, MaxLng float64
}

// LookalikeQuery selects the open hazards a new finding or report may repeat:
// those of Scope in County placed inside Box, and the Recent newest of Scope in
// County, whose text the caller compares.
type LookalikeQuery struct {
	Scope  Scope  // the caller's territory (an enterprise: its own hazards)
	County string // six digits; "" only with an enterprise's scope
	Box    *Box   // nil: no place given
	Recent int    // how many of the newest open hazards to add (0: none)
	Except int64  // a hazard never offered (the one on the page)
	// Public keeps to the hazards whose place is public knowledge: those
	// reported by the public and the disaster hazards (docs/design.md,
	// "Duplicates in sight").
	Public bool
}

// lookalikeColumns are what a duplicate hint compares and shows.
const lookalikeColumns = "id, code, title, description, location, state, source, category, region_code, latitude, longitude"

// Lookalikes returns the open hazards q selects, each once, the newest first.
// Both reads go through indexes: the box through hazards_open_place_idx
// (00037: region_county, then a range of latitude, longitude tested in the
// index), the newest through the county's territory index walked by id.
func (s *Store) Lookalikes(ctx context.Context, q LookalikeQuery) ([]Hazard, error) {
	near, recent, ok := s.lookalikeReads(ctx, q)
	if !ok {
		return nil, nil
	}
	seen := map[int64]bool{}
	var out []Hazard
	for _, g := range []*gorm.DB{near, recent} {
		if g == nil {
			continue
		}
		var hs []Hazard
		if err := g.Find(&hs).Error; err != nil {
			return nil, translate("model: lookalikes", err)
		}
		for _, h := range hs {
			if !seen[h.ID] {
				seen[h.ID] = true
				out = append(out, h)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// lookalikeReads are Lookalikes' two queries (nil when not asked); ok is
// false when q can match nothing.
func (s *Store) lookalikeReads(ctx context.Context, q LookalikeQuery) (near, recent *gorm.DB, ok bool) {
	if q.County == "" && q.Scope.EnterpriseID == 0 {
		return nil, nil, false
	}
	base := func() (*gorm.DB, bool) {
		g := s.r(ctx).Model(&Hazard{}).Select(lookalikeColumns)
		if q.County != "" {
			g = g.Where("region_county = ?", q.County)
		}
		g = g.Where(openStates)
		if q.Except != 0 {
			g = g.Where("id <> ?", q.Except)
		}
		if q.Public {
			g = g.Where("(source = 'public_report' OR category = 'disaster')")
		}
		return scoped(g, q.Scope, "")
	}
	if q.Box != nil {
		if near, ok = base(); !ok {
			return nil, nil, false
		}
		near = near.Where("latitude IS NOT NULL AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",
			q.Box.MinLat, q.Box.MaxLat, q.Box.MinLng, q.Box.MaxLng).Limit(200)
	}
	if q.Recent > 0 {
		if recent, ok = base(); !ok {
			return nil, nil, false
		}
		recent = recent.Order("id DESC").Limit(q.Recent)
	}
	return near, recent, true
}
