package workflow

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strings"

	"hazardloop/model"
)

// Duplicates in sight (docs/design.md, "Duplicates in sight"): before a finding
// or a public report is sent, and on the reviewer's page, the open hazards it
// may repeat are looked up by text and by place.

// NearMeters is how close two places must be for the hazards there to be
// alike whatever their words: a phone's position is good to some tens of
// metres, one site (a yard, a slope, a stretch of road) spans a hundred or two.
const NearMeters = 200

// Text likeness (bigram Jaccard, 0 to 1): alike at simScore whatever the
// place; at nearScore when also within NearMeters (the public's count).
const (
	simScore  = 0.2
	nearScore = 0.1
)

// recentCandidates is how many of the newest open hazards of the county a
// lookup compares by text.
const recentCandidates = 300

// SimilarHazard is a duplicate hint: an open hazard near a report, by text and
// place.
type SimilarHazard struct {
	ID        int64       `json:"id"`
	Code      string      `json:"code"`
	Title     string      `json:"title"`
	State     model.State `json:"state"`
	StateText string      `json:"state_label"` // the state in Chinese
	Location  string      `json:"location"`
	Score     float64     `json:"score"`                // text similarity, 0 to 1
	DistanceM *float64    `json:"distance_m,omitempty"` // when both have coordinates
}

// Probe is a finding or a report not yet sent, as a duplicate lookup reads it.
type Probe struct {
	Title, Description, Location string
	RegionCode                   string
	Latitude, Longitude          *float64
}

// probe is a Probe made ready: its words' bigrams, its place, its county.
type probe struct {
	all, title map[string]bool
	at         *[2]float64
	county     string
	except     int64
}

func newProbe(title, desc, loc string, lat, lng *float64) probe {
	p := probe{all: bigrams(title + desc + loc), title: bigrams(title)}
	if lat != nil && lng != nil {
		p.at = &[2]float64{*lat, *lng}
	}
	return p
}

// box is the rectangle of degrees around p's place that holds every point
// within NearMeters (with a margin: the distance is measured after).
func (p probe) box() *model.Box {
	if p.at == nil {
		return nil
	}
	dlat := NearMeters * 1.1 / 111320
	dlng := dlat / math.Max(math.Cos(p.at[0]*math.Pi/180), 0.01)
	return &model.Box{MinLat: p.at[0] - dlat, MaxLat: p.at[0] + dlat, MinLng: p.at[1] - dlng, MaxLng: p.at[1] + dlng}
}

// compare scores candidate c against p: the likeness of all their words, or
// of their titles alone when higher (the same title is the same finding
// whatever the details); the distance when both have a place.
func (p probe) compare(c *model.Hazard) SimilarHazard {
	s := SimilarHazard{ID: c.ID, Code: c.Code, Title: c.Title, State: c.State, StateText: c.State.Label(), Location: c.Location}
	score := math.Max(jaccard(p.all, bigrams(c.Title+c.Description+c.Location)), jaccard(p.title, bigrams(c.Title)))
	s.Score = math.Round(score*100) / 100
	if p.at != nil && c.Latitude != nil && c.Longitude != nil {
		d := math.Round(haversine(*p.at, [2]float64{*c.Latitude, *c.Longitude}))
		s.DistanceM = &d
	}
	return s
}

func (s SimilarHazard) near() bool { return s.DistanceM != nil && *s.DistanceM <= NearMeters }

// lookalikes are the open hazards of a's territory in p's county alike in
// text (simScore) or within NearMeters, the most alike first, at most ten.
// What a does not see of a candidate (an enterprise: a public report's place)
// plays no part.
func (e *core) lookalikes(ctx context.Context, a Actor, p probe) ([]SimilarHazard, error) {
	recent := 0
	if len(p.all) > 0 {
		recent = recentCandidates
	}
	cands, err := e.store.Lookalikes(ctx, model.LookalikeQuery{Scope: a.Scope(), County: p.county, Box: p.box(),
		Recent: recent, Except: p.except})
	if err != nil {
		return nil, err
	}
	out := []SimilarHazard{}
	for i := range cands {
		s := p.compare(a.Redact(&cands[i]))
		if s.Score >= simScore || s.near() {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].DistanceM != nil && (out[j].DistanceM == nil || *out[i].DistanceM < *out[j].DistanceM)
	})
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// Similar lists the open hazards of a's territory and hazard id's county whose
// text is alike or whose place is within NearMeters: the hints a supervisor
// sees before confirming a report, to dismiss it as a duplicate instead.
func (e *Hazards) Similar(ctx context.Context, a Actor, id int64) ([]SimilarHazard, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := staffOnly(a); err != nil {
		return nil, err
	}
	p := newProbe(h.Title, h.Description, h.Location, h.Latitude, h.Longitude)
	if p.at == nil { // a report taken before its place was carried to its hazard
		locs, err := e.store.ReportLocations(ctx, []int64{h.ID})
		if err != nil {
			return nil, err
		}
		if q, ok := locs[h.ID]; ok {
			p.at = &q
		}
	}
	_, _, p.county, _ = model.RegionLevels(h.RegionCode)
	p.except = h.ID
	return e.lookalikes(ctx, a, p)
}

// SimilarTo lists the open hazards a finding not yet sent may repeat (as
// Similar does for a registered one): for staff those of their territory in
// the county of in.RegionCode (their own region when empty), for an
// enterprise its own. KindForbidden for the public or a region outside the
// territory; KindInvalid for bad coordinates (both or neither, in range) or
// a region above a county.
func (e *Hazards) SimilarTo(ctx context.Context, a Actor, in Probe) ([]SimilarHazard, error) {
	if a.Role == model.RolePublic || a.Role == "" {
		return nil, errForbidden("请登录后查找相似隐患")
	}
	errs := fieldErrors{}
	title := text(errs, "title", &in.Title, 200)
	desc := text(errs, "description", &in.Description, 5000)
	loc := text(errs, "location", &in.Location, 500)
	lat, lng := coordinates(errs, in.Latitude, in.Longitude)
	p := newProbe(title, desc, loc, lat, lng)
	if a.Role != model.RoleEnterprise {
		region := strings.TrimSpace(in.RegionCode)
		if region == "" {
			region = a.Region
		}
		if a.Scope().Region != "" && !model.Within(region, a.Scope().Region) {
			return nil, errForbidden("该区划不在您的管辖范围内")
		}
		if model.RegionLevelOf(region) < model.RegionCounty {
			errs.add("region_code", "请先选择县（区）或以下的区划，再查找相似隐患")
		}
		_, _, p.county, _ = model.RegionLevels(region)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(p.all) == 0 && p.at == nil {
		return []SimilarHazard{}, nil
	}
	return e.lookalikes(ctx, a, p)
}

// NearbyHint is all the public learns of the hazards near a report it is
// writing: how many, in words.
type NearbyHint struct {
	Count   int    `json:"count"`
	Message string `json:"message"`
}

// Nearby counts, for a reporter writing a public report, the open hazards of
// public knowledge (reported by the public, or disaster hazards) within
// NearMeters of in's place and alike in words when words are given (a
// likeness of nearScore, or half the reporter's pairs of characters in the
// hazard's text): never a title, a code or a place (docs/design.md, "Duplicates in
// sight"). Limited per client like the intake, on its own counter
// (KindRateLimited); KindInvalid without a place or a county.
func (e *Reports) Nearby(ctx context.Context, clientAddr string, in Probe) (NearbyHint, error) {
	errs := fieldErrors{}
	title := text(errs, "title", &in.Title, 200)
	desc := text(errs, "description", &in.Description, 5000)
	lat, lng := coordinates(errs, in.Latitude, in.Longitude)
	if lat == nil && errs["latitude"] == "" && errs["longitude"] == "" {
		errs.add("latitude", "请先填写或获取位置坐标")
	}
	region := strings.TrimSpace(in.RegionCode)
	if !model.ValidRegionCode(region) || model.RegionLevelOf(region) < model.RegionCounty {
		errs.add("region_code", "请先选择所在县（区）")
	}
	if err := errs.err(); err != nil {
		return NearbyHint{}, err
	}
	p := e.opts.Reports
	if err := e.RateLimit(ctx, e.nearbyKey(clientAddr), p.HintPerWindow, p.IntakeWindow); err != nil {
		return NearbyHint{}, err
	}
	pr := newProbe(title, desc, "", lat, lng)
	_, _, pr.county, _ = model.RegionLevels(region)
	cands, err := e.store.Lookalikes(ctx, model.LookalikeQuery{Scope: model.AllScope, County: pr.county, Box: pr.box(), Public: true})
	if err != nil {
		return NearbyHint{}, err
	}
	n := 0
	for i := range cands {
		c := &cands[i]
		s := pr.compare(c)
		// A reporter's few words against a whole description: alike also
		// when most of the words' pairs are in it.
		if s.near() && (len(pr.all) == 0 || s.Score >= nearScore || cover(pr.all, bigrams(c.Title+c.Description+c.Location)) >= 0.5) {
			n++
		}
	}
	h := NearbyHint{Count: n}
	if n > 0 {
		h.Message = fmt.Sprintf("附近（%d 米内）已有 %d 条类似问题正在处理。如是同一问题，您仍可提交，核查人员会合并办理。", NearMeters, n)
	}
	return h, nil
}

func (e *Reports) nearbyKey(clientAddr string) string {
	m := hmac.New(sha256.New, e.opts.ReportKey)
	m.Write([]byte("nearby:" + clientAddr))
	return "nearby:" + hex.EncodeToString(m.Sum(nil))[:32]
}

// bigrams are the pairs of adjacent characters of s, ignoring spaces and
// punctuation: a fair measure of likeness for short Chinese texts.
func bigrams(s string) map[string]bool {
	var rs []rune
	for _, r := range s {
		if r > 0x2000 && !strings.ContainsRune("，。、；：？！“”（）《》【】", r) || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			rs = append(rs, r)
		}
	}
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	return out
}

// cover is the share of a's pairs found in b.
func cover(a, b map[string]bool) float64 {
	if len(a) == 0 {
		return 0
	}
	n := 0
	for k := range a {
		if b[k] {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// haversine is the distance in metres between two (latitude, longitude) points.
func haversine(p, q [2]float64) float64 {
	const r = 6371000
	rad := math.Pi / 180
	dlat, dlon := (q[0]-p[0])*rad, (q[1]-p[1])*rad
	x := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(p[0]*rad)*math.Cos(q[0]*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(x))
}
