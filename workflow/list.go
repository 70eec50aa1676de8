package workflow

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"hazardloop/model"
)

// ListQuery filters the hazard list; values are as the API receives them.
type ListQuery struct {
	State        string
	Level        string
	Source       string
	Region       string
	EnterpriseID string
	Department   string
	Industry     string
	Category     string // accident or disaster
	DisasterType string // a disaster type (implies category disaster)
	// ResponsiblePartyType: who rectifies (enterprise, township, village,
	// department, owner).
	ResponsiblePartyType string
	From, To             string // discovered on these days or between them (2006-01-02, Asia/Shanghai)
	Overdue              string
	Q                    string
	Cursor               string
	Limit                string
}

// Page is one page of hazards; NextCursor is "" on the last page.
type Page struct {
	Items      []HazardItem `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

// HazardItem is a hazard as the list shows it: what a row on screen and the
// caller's next step need. GET /hazards/{id} gives the whole record (plan,
// legal basis, verification, chain head).
type HazardItem struct {
	ID           int64            `json:"id"`
	Code         string           `json:"code"`
	Title        string           `json:"title"`
	Source       model.Source     `json:"source"`
	Level        model.Level      `json:"level"`
	Industry     string           `json:"industry"`
	Department   model.Department `json:"department"`
	RegionCode   string           `json:"region_code"`
	EnterpriseID *int64           `json:"enterprise_id"`
	Location     string           `json:"location"`
	// ResponsiblePartyType is who rectifies (party.go).
	ResponsiblePartyType model.PartyType `json:"responsible_party_type"`
	// Category and DisasterType tell accident from disaster hazards on a
	// row; DisasterType is "" for an accident hazard.
	Category            model.Category     `json:"category"`
	DisasterType        model.DisasterType `json:"disaster_type"`
	DiscoveredAt        time.Time          `json:"discovered_at"`
	State               model.State        `json:"state"`
	Version             int                `json:"version"`
	EscalationLevel     int                `json:"escalation_level"`
	ListedSupervision   bool               `json:"listed_supervision"`
	ListedLevel         model.ListLevel    `json:"listed_level"` // county, city, province; "" when not listed
	ProductionSuspended bool               `json:"production_suspended"`
	Deadline            *model.Date        `json:"deadline"`
	DueOn               *model.Date        `json:"due_on"`
	CreatedAt           time.Time          `json:"created_at"`
	UpdatedAt           time.Time          `json:"updated_at"`
	Overdue             bool               `json:"overdue"`
	ReadOnly            bool               `json:"read_only"`
	AllowedEvents       []model.Event      `json:"allowed_events"`
}

func (e *core) item(a Actor, h *model.Hazard, today model.Date) HazardItem {
	return HazardItem{ID: h.ID, Code: h.Code, Title: h.Title, Source: h.Source, Level: h.Level,
		Industry: h.Industry, Department: h.Department, RegionCode: h.RegionCode, EnterpriseID: h.EnterpriseID, Location: h.Location,
		ResponsiblePartyType: h.ResponsiblePartyType, Category: h.Category, DisasterType: h.DisasterType,
		DiscoveredAt: h.DiscoveredAt, State: h.State, Version: h.Version, EscalationLevel: h.EscalationLevel,
		ListedSupervision: h.ListedSupervision, ListedLevel: h.ListedLevel, ProductionSuspended: h.ProductionSuspended,
		Deadline: h.Deadline, DueOn: h.DueOn, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
		Overdue: h.Overdue(today), ReadOnly: a.ReadOnly(h), AllowedEvents: allowedEvents(a, h)}
}

// MaxPageSize bounds a page of the hazard list.
const MaxPageSize = 200

// List returns the hazards in a's scope matching q, newest first, one page at a
// time. KindInvalid names each bad filter.
func (e *Hazards) List(ctx context.Context, a Actor, q ListQuery) (Page, error) {
	f, err := e.filter(a, q)
	if err != nil {
		return Page{}, err
	}
	limit := f.Limit
	f.Limit++
	buf := hazardPages.Get().(*[]model.Hazard)
	defer hazardPages.Put(buf)
	hs, err := e.store.AppendHazardRows(ctx, f, (*buf)[:0])
	*buf = hs[:0]
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: make([]HazardItem, 0, min(len(hs), limit))}
	if len(hs) > limit {
		hs = hs[:limit]
		p.NextCursor = encodeCursor(hs[limit-1].ID)
	}
	today := e.Today()
	for i := range hs {
		p.Items = append(p.Items, e.item(a, &hs[i], today))
	}
	return p, nil
}

// hazardPages are the rows of list pages, reused: a page's items copy what
// they show of its rows (AppendHazardRows overwrites a row whole).
var hazardPages = sync.Pool{New: func() any { hs := make([]model.Hazard, 0, MaxPageSize+1); return &hs }}

func (e *core) filter(a Actor, q ListQuery) (model.HazardFilter, error) {
	errs := fieldErrors{}
	f := model.HazardFilter{Scope: a.Scope(), Limit: 50}
	if q.State != "" {
		if f.State = model.State(q.State); !f.State.Valid() {
			errs.add("state", "未知的状态："+q.State)
		}
	}
	if q.Level != "" {
		if f.Level = model.Level(q.Level); !f.Level.Valid() {
			errs.add("level", "隐患等级只能是 general 或 major")
		}
	}
	if q.Source != "" {
		if f.Source = model.Source(q.Source); !f.Source.Valid() {
			errs.add("source", "未知的隐患来源："+q.Source)
		}
	}
	if q.Region != "" {
		if !validRegionCode(q.Region) {
			errs.add("region", regionCodeMessage)
		}
		f.Region = q.Region
	}
	if q.EnterpriseID != "" {
		id, err := strconv.ParseInt(q.EnterpriseID, 10, 64)
		if err != nil || id <= 0 {
			errs.add("enterprise_id", "企业编号应为正整数")
		}
		f.EnterpriseID = id
	}
	if q.Department != "" {
		f.Department = parseDepartment(errs, "department", q.Department)
	}
	if f.Industry = strings.TrimSpace(q.Industry); len([]rune(f.Industry)) > 50 {
		errs.add("industry", "行业不能超过50个字")
	}
	if q.Category != "" {
		f.Category = parseCategory(errs, "category", q.Category)
	}
	if q.DisasterType != "" {
		f.DisasterType = parseDisasterType(errs, "disaster_type", q.DisasterType)
		if f.Category == model.CategoryAccident {
			errs.add("disaster_type", "事故隐患没有灾害类型，请去掉 category=accident 或 disaster_type")
		}
	}
	if q.ResponsiblePartyType != "" {
		f.ResponsiblePartyType = parsePartyType(errs, "responsible_party_type", q.ResponsiblePartyType)
	}
	var from, to model.Date
	if q.From != "" {
		d, ok := parseDay(q.From)
		if !ok {
			errs.add("from", "发现日期（起）格式应为 YYYY-MM-DD")
		}
		from, f.FoundFrom = d, dayStart(d)
	}
	if q.To != "" {
		d, ok := parseDay(q.To)
		if !ok {
			errs.add("to", "发现日期（止）格式应为 YYYY-MM-DD")
		}
		to, f.FoundBefore = d, dayStart(d.AddDays(1))
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from.Time) {
		errs.add("to", "发现日期（止）不能早于发现日期（起）")
	}
	switch q.Overdue {
	case "", "false":
	case "true":
		today := e.Today()
		f.OverdueOn = &today
	default:
		errs.add("overdue", "overdue 只能是 true 或 false")
	}
	f.Query = strings.TrimSpace(q.Q)
	if len([]rune(f.Query)) > 100 {
		errs.add("q", "搜索内容不能超过100个字")
	}
	if q.Cursor != "" {
		id, ok := decodeCursor(q.Cursor)
		if !ok {
			errs.add("cursor", "翻页游标无效，请从第一页重新查询")
		}
		f.BeforeID = id
	}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if err != nil || n < 1 || n > MaxPageSize {
			errs.add("limit", fmt.Sprintf("每页条数应为1到%d", MaxPageSize))
		}
		f.Limit = n
	}
	return f, errs.err()
}

// dayStart is the moment day d begins in Asia/Shanghai.
func dayStart(d model.Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, model.Shanghai)
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("h" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 'h' {
		return 0, false
	}
	id, err := strconv.ParseInt(string(b[1:]), 10, 64)
	return id, err == nil && id > 0
}
