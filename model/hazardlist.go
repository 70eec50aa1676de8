package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The hazard list is the hottest read of the service (every official opens it,
// 32 clients on a province of a million hazards must get ≥ 2,000 pages/s), so it
// has a path of its own: the columns a list row shows and the rules for its
// allowed events read, scanned by hand instead of through gorm's reflection, with
// SQLite's dates read as text (the pure-Go driver otherwise tries up to ten
// layouts on every date cell).

// postgresListQueries is how many list queries run at once on PostgreSQL; the
// rest queue first come first served (see Store.lists). More in flight than the
// database has cores only makes every one of them slower.
const postgresListQueries = 8

// listColumns are the columns ListHazardRows fills, in scan order; the names in
// braces are dates and times.
var listColumns = []string{
	"id", "code", "title", "source", "level", "industry", "department", "region_code", "enterprise_id",
	"location", "{discovered_at}", "state", "version", "escalation_level", "listed_supervision",
	"production_suspended", "{deadline}", "{due_on}", "submitted_by", "created_by", "{created_at}", "{updated_at}",
	"{transfer_due_on}", "transfer_to_department", "transfer_to_region", "created_region", "listed_level", "listed_region",
	"responsible_party_type", "responsible_region_code", "category", "disaster_type",
}

// listSelect is the select list per dialect. On SQLite a row is one cell, a
// JSON array of the columns (scanJSONRow reads it): the driver enters the
// connection's mutex three times for every cell it hands over (its type, its
// text, its length) and boxes each value, which was a third of a province's
// page; one cell a row costs that once a row.
var listSelect = map[string]string{
	DialectSQLite:   "json_array(" + selectList(func(c string) string { return "CAST(" + c + " AS TEXT)" }) + ")",
	DialectPostgres: selectList(func(c string) string { return c }),
}

func selectList(date func(string) string) string {
	cols := make([]string, len(listColumns))
	for i, c := range listColumns {
		if strings.HasPrefix(c, "{") {
			c = date(strings.Trim(c, "{}"))
		}
		cols[i] = c
	}
	return strings.Join(cols, ", ")
}

// ListHazardRows returns at most f.Limit hazards matching f, newest first, with
// only the list's columns filled: identity, title, classification (the
// category and disaster type among it), territory,
// enterprise, location, discovery, state and version, supervision flags, the
// deadline and due day, the department, the submitter and the creator and its
// region (for the verifier and officer-review rules), the creation and update
// times, and what the rules read of a pending transfer and a listed
// supervision's level.
// Everything else is zero; GetHazard reads a whole hazard.
func (s *Store) ListHazardRows(ctx context.Context, f HazardFilter) ([]Hazard, error) {
	return s.AppendHazardRows(ctx, f, nil)
}

// AppendHazardRows is ListHazardRows appending to dst, whose rows it
// overwrites whole: a caller may reuse a page's slice (a Hazard is some 1 KB,
// half of what a list page allocated).
func (s *Store) AppendHazardRows(ctx context.Context, f HazardFilter, dst []Hazard) ([]Hazard, error) {
	q, args, ok := s.listQuery(f)
	if !ok {
		return dst, nil
	}
	if !s.inTx {
		select {
		case s.lists <- struct{}{}:
			defer func() { <-s.lists }()
		case <-ctx.Done():
			return nil, translate("model: list hazards", ctx.Err())
		}
	}
	var rows *sql.Rows
	var err error
	if st := s.listStmts.get(ctx, q); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else if s.territoryPages != nil && pageIDsFirst(f) {
		rows, err = s.territoryPages.QueryContext(ctx, numberPlaceholders(q), args...)
	} else {
		rows, err = s.r(ctx).Raw(q, args...).Rows()
	}
	if err != nil {
		return nil, translate("model: list hazards", err)
	}
	defer rows.Close()
	hs := dst
	if hs == nil {
		hs = make([]Hazard, 0, min(f.Limit, 256))
	}
	dest := make([]any, 0, len(listColumns))
	var row string
	for rows.Next() {
		hs = append(hs, Hazard{})
		h := &hs[len(hs)-1]
		var deadline, due, transferDue nullDate
		dest = append(dest[:0], &h.ID, &h.Code, &h.Title, (*string)(&h.Source), (*string)(&h.Level), &h.Industry,
			(*string)(&h.Department), &h.RegionCode, &h.EnterpriseID, &h.Location, (*timeCell)(&h.DiscoveredAt), (*string)(&h.State),
			&h.Version, &h.EscalationLevel, &h.ListedSupervision, &h.ProductionSuspended, &deadline, &due,
			&h.SubmittedBy, &h.CreatedBy, (*timeCell)(&h.CreatedAt), (*timeCell)(&h.UpdatedAt),
			&transferDue, (*string)(&h.TransferToDepartment), &h.TransferToRegion, &h.CreatedRegion,
			(*string)(&h.ListedLevel), &h.ListedRegion, (*string)(&h.ResponsiblePartyType), &h.ResponsibleRegionCode,
			(*string)(&h.Category), (*string)(&h.DisasterType))
		if s.dialect == DialectSQLite {
			if err = rows.Scan(&row); err == nil {
				err = scanJSONRow(row, dest)
			}
		} else {
			err = rows.Scan(dest...)
		}
		if err != nil {
			return nil, translate("model: list hazards", err)
		}
		h.Deadline, h.DueOn, h.TransferDueOn = deadline.ptr(), due.ptr(), transferDue.ptr()
	}
	return hs, translate("model: list hazards", rows.Err())
}

// stmtCache keeps the list's statements prepared on SQLite's readers. The
// driver (modernc.org/sqlite) keeps a prepared statement's compiled program
// and only resets it between calls; a statement run unprepared is compiled
// anew each time, which was 18% of the CPU of a county department's page. A
// list's text depends only on which filters are set, not on their values, so
// there are few; past stmtCacheSize the rest run unprepared. database/sql
// prepares a statement on each reader connection the first time it runs there.
// A nil cache (PostgreSQL, whose driver caches statements by itself; a
// transaction's Store, which reads on its own connection) hands out nothing.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const stmtCacheSize = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get is q prepared, or nil when it cannot be (the cache is full, or the
// prepare failed: the caller then runs q unprepared and meets the error there).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if len(c.m) >= stmtCacheSize {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.m[q] = st
	return st
}

// close closes every statement kept.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// listQuery is the list's statement for f and its arguments; ok is false when
// the scope matches nothing.
func (s *Store) listQuery(f HazardFilter) (string, []any, bool) {
	where, args, ok := s.hazardWhere(f)
	if !ok {
		return "", nil, false
	}
	// The limit is written into the statement (a page has few sizes), as
	// both planners want it. SQLite reads a bound LIMIT while planning, and
	// so compiles the statement again whenever one is bound (see
	// hazardWhere). PostgreSQL plans a prepared statement anew on every run
	// unless its generic plan, made without the values, looks no dearer than
	// the plans made with them; with the limit unknown it always looked
	// dearer, and a province's page spent more time planning than running.
	limit := strconv.Itoa(f.Limit)
	if !pageIDsFirst(f) {
		return "SELECT " + listSelect[s.dialect] + " FROM hazards WHERE " + where + " ORDER BY id DESC LIMIT " + limit, args, true
	}
	// The page's ids from the territory's covering index (00014), then those
	// rows only: a city's, county's or township's hazards lie spread over the
	// table, and testing each on its row read a page a row.
	//
	// On SQLite the statement names its indexes. When the driver prepared
	// every statement anew on every call (18% of a county department's list
	// in a profile), much of it went to weighing the hazards' thirty-odd
	// indexes for both selects, and naming them took some 7% off the
	// service's CPU per page; the statements are now kept prepared
	// (stmtCache), and the names still pin the plan to the one the planner
	// chooses anyway (TestTerritoryListPlan). The rows are then found by
	// rowid, which NOT INDEXED leaves allowed.
	outer, inner := "hazards", "hazards"
	if s.dialect == DialectSQLite {
		nf, _ := narrowTerritory(f)
		outer, inner = "hazards NOT INDEXED", "hazards INDEXED BY "+territoryIndex(regionColumn(nf.Scope.Region))
	}
	return "SELECT " + listSelect[s.dialect] + " FROM " + outer + " WHERE id IN (SELECT id FROM " + inner + " WHERE " + where +
		" ORDER BY id DESC LIMIT " + limit + ") ORDER BY id DESC", args, true
}

// numberPlaceholders writes q's "?" placeholders as PostgreSQL's $1, $2, …
// (what gorm does for Raw), outside quoted literals.
func numberPlaceholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// narrowTerritory makes one territory of the scope's region and the region
// filtered on, the smaller: a county's supervisor asking for a township lists
// the township's hazards (of the department) by the township's index alone,
// not by both indexes. ok is false when the two do not overlap.
func narrowTerritory(f HazardFilter) (HazardFilter, bool) {
	if f.Scope.Region == "" || f.Region == "" {
		return f, true
	}
	switch {
	case Within(f.Region, f.Scope.Region):
		f.Scope.Region = f.Region
	case !Within(f.Scope.Region, f.Region):
		return f, false
	}
	f.Region = ""
	return f, true
}

// pageIDsFirst reports whether a list finds its page's ids in an index before
// reading rows: when its scope is a city, a county or a township, whose
// index carries every column the list filters on (00014) but the text
// searched, the industry, the category (disaster hazards have a partial index
// of their own, 00031) and the discovery time, which need the rows anyway.
// A province's list and a search read rows as they go (each row walked is
// mostly a row of the page); a village has few hazards.
func pageIDsFirst(f HazardFilter) bool {
	f, ok := narrowTerritory(f)
	if !ok || f.Query != "" || f.Scope.All || f.Scope.EnterpriseID != 0 || f.Industry != "" || f.Category != "" || f.DisasterType != "" || f.ResponsiblePartyType != "" || !f.FoundFrom.IsZero() || !f.FoundBefore.IsZero() {
		return false
	}
	l := RegionLevelOf(f.Scope.Region)
	return l == RegionCity || l == RegionCounty || l == RegionTownship
}

// hazardWhere is the WHERE clause of a hazard list (with ? placeholders) and its
// arguments; ok is false when the scope matches nothing.
func (s *Store) hazardWhere(f HazardFilter) (string, []any, bool) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	f, ok := narrowTerritory(f)
	if !ok {
		return "", nil, false
	}
	// Every value is bound as "+?" on SQLite. SQLite (built with STAT4)
	// marks a prepared statement expired whenever a value is bound that its
	// planner read: one compared with an indexed column ANALYZE sampled, a
	// LIKE pattern (and a LIMIT, see listQuery); the next run compiles it
	// again, which was 11% of a province's page. The unary plus hides the
	// value from the planner, so the statement is planned once (on the
	// averages of sqlite_stat1) and stays prepared; the term still serves an
	// index.
	p := "?"
	if s.dialect == DialectSQLite {
		p = "+?"
	}
	scope, scopeArgs, ok := scopeCond(f.Scope, "", p)
	if !ok {
		return "", nil, false
	}
	add(scope, scopeArgs...)
	if f.State != "" {
		// A disaster list walks its partial index (00031), which carries the
		// state: on SQLite "+" keeps the planner from the state index, which
		// would read every hazard in that state across the table.
		state := "state"
		if s.dialect == DialectSQLite && (f.Category == CategoryDisaster || f.DisasterType != "") {
			state = "+state"
		}
		add(state+" = "+p, string(f.State))
	}
	if f.Level != "" {
		add("level = "+p, string(f.Level))
	}
	if f.Source != "" {
		add("source = "+p, string(f.Source))
	}
	if f.Region != "" {
		add(regionColumn(f.Region)+" = "+p, f.Region)
	}
	if f.EnterpriseID != 0 {
		add("enterprise_id = "+p, f.EnterpriseID)
	}
	if f.Department != "" {
		add("department = "+p, string(f.Department))
	}
	if f.Industry != "" {
		add("industry = "+p, f.Industry)
	}
	if f.DisasterType != "" {
		f.Category = CategoryDisaster
	}
	if f.Category == CategoryDisaster {
		// Written as the partial index's predicate, so that the planner may
		// walk it (00031) for a county's disaster hazards.
		add("category = 'disaster'")
	} else if f.Category != "" {
		add("category = "+p, string(f.Category))
	}
	if f.DisasterType != "" {
		add("disaster_type = "+p, string(f.DisasterType))
	}
	if f.ResponsiblePartyType != "" {
		add("responsible_party_type = "+p, string(f.ResponsiblePartyType))
	}
	// Bound in UTC, as PeriodStatistics binds its times (see sqliteTimeFormat).
	if !f.FoundFrom.IsZero() {
		add("discovered_at >= "+p, f.FoundFrom.UTC())
	}
	if !f.FoundBefore.IsZero() {
		add("discovered_at < "+p, f.FoundBefore.UTC())
	}
	if f.OverdueOn != nil {
		// Walk the territory's (region, id) index newest first and test the due
		// day on the row: on SQLite "+" keeps the planner from the overdue-count
		// index (region, due_on), which would sort every overdue hazard of the
		// territory (a quarter million in a province) to return fifty.
		due := "due_on"
		if s.dialect == DialectSQLite {
			due = "+due_on"
		}
		add("state IN ('listed', 'rectifying') AND "+due+" < "+p, *f.OverdueOn)
	}
	if f.Query != "" {
		// Case-insensitive on both engines: SQLite's LIKE already is (for ASCII).
		op := "LIKE"
		if s.dialect == DialectPostgres {
			op = "ILIKE"
		}
		like := "%" + escapeLike(f.Query) + "%"
		add(fmt.Sprintf(`(code %[1]s %[2]s ESCAPE '\' OR title %[1]s %[2]s ESCAPE '\' OR description %[1]s %[2]s ESCAPE '\')`, op, p), like, like, like)
	}
	if f.BeforeID > 0 {
		add("id < "+p, f.BeforeID)
	}
	return strings.Join(conds, " AND "), args, true
}

// territoryIndex is the name of the (column, id) index (00014) of a column
// regionColumn answers, which the list names (listQuery).
func territoryIndex(column string) string { return "hazards_" + column + "_idx" }

// regionColumn is the hazards column holding the code of region's level, so that
// a territory is an equality an index serves in id order.
func regionColumn(region string) string {
	switch RegionLevelOf(region) {
	case RegionProvince:
		return "region_province"
	case RegionCity:
		return "region_city"
	case RegionCounty:
		return "region_county"
	case RegionTownship:
		return "region_township"
	}
	return "region_code" // a village: the hazard's own code
}

// sqliteTimeFormat is how the SQLite driver writes a bound time.Time (and how
// bulk inserts write one, see appendJSONValue).
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// timeCell scans a timestamp handed over as a time (PostgreSQL) or as SQLite's
// text, in sqliteTimeFormat as the driver writes it.
type timeCell time.Time

func (t *timeCell) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*t = timeCell(x)
		return nil
	case string:
		if p, ok := parseSQLiteTime(x); ok {
			*t = timeCell(p)
			return nil
		}
		for _, layout := range []string{sqliteTimeFormat, time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if p, err := time.Parse(layout, x); err == nil {
				*t = timeCell(p.UTC())
				return nil
			}
		}
		return fmt.Errorf("model: bad time %q", x)
	}
	return fmt.Errorf("model: cannot scan %T into a time", v)
}

// parseSQLiteTime reads "2006-01-02 15:04:05[.fraction]+00:00", the form the
// driver writes UTC times in, without time.Parse's layout interpretation (a list
// page holds 150 of them); anything else is left to time.Parse.
func parseSQLiteTime(s string) (time.Time, bool) {
	n := len(s)
	if n < 25 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[n-6:] != "+00:00" {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		v := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	var f [6]int
	for i, span := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		v, ok := num(span[0], span[1])
		if !ok {
			return time.Time{}, false
		}
		f[i] = v
	}
	nsec := 0
	if frac := s[19 : n-6]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		v, ok := num(20, n-6)
		if !ok {
			return time.Time{}, false
		}
		for range 9 - (len(frac) - 1) {
			v *= 10
		}
		nsec = v
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nsec, time.UTC)
	if t.Day() != f[2] { // 2026-02-30 is not a day
		return time.Time{}, false
	}
	return t, true
}

// nullDate scans a nullable day.
type nullDate struct {
	d     Date
	valid bool
}

func (n *nullDate) Scan(v any) error {
	if v == nil {
		n.valid = false
		return nil
	}
	n.valid = true
	return n.d.Scan(v)
}

func (n nullDate) ptr() *Date {
	if !n.valid {
		return nil
	}
	d := n.d
	return &d
}
