package model

import (
	"cmp"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// BulkBatch is how many rows one INSERT of a bulk load carries when the rows go
// as parameters (BulkInsert's fallback; see bulkJSON for the usual path).
const BulkBatch = 500

// sqliteBulkParams is how many parameters one INSERT carries on SQLite in the
// fallback: 16 rows of hazards (45 columns). The driver binds in time quadratic
// in the parameters and compiles each statement anew.
const sqliteBulkParams = 720

// bulkJSONRows is how many rows one INSERT carries as one JSON parameter.
const bulkJSONRows = 1000

// BulkInsert writes rows (a slice of records) in multi-row INSERTs inside the
// caller's transaction: for bulk loads (seeding, ledger import). Records keep the
// IDs they carry (see ReserveIDsOf) or get new ones; hooks (BeforeCreate) run.
func (s *Store) BulkInsert(ctx context.Context, rows any) error {
	b, err := s.EncodeBulk(ctx, rows)
	if err != nil {
		return err
	}
	return s.InsertBulk(ctx, b)
}

// BulkRows are records encoded by EncodeBulk for InsertBulk.
type BulkRows struct {
	stmts []bulkStmt
	rows  any // records that go as bound rows instead (see bulkJSON)
	sch   *schema.Schema
}

type bulkStmt struct {
	sql  string
	args []any
	copy []byte // for a COPY (sql): its data, of rows rows
	rows int
}

// EncodeBulk prepares rows (a slice of records) for InsertBulk: hooks run, and
// the rows are encoded as the statements' JSON. It reads nothing from the
// database, so it may run on another goroutine while the transaction works.
func (s *Store) EncodeBulk(ctx context.Context, rows any) (*BulkRows, error) {
	st := &gorm.Statement{DB: s.db}
	if err := st.Parse(rows); err != nil {
		return nil, fmt.Errorf("model: bulk insert: %w", err)
	}
	b := &BulkRows{sch: st.Schema}
	ok, err := s.bulkJSON(ctx, st.Schema, rows, b)
	if err != nil {
		return nil, err
	}
	if !ok {
		b.rows = rows
	}
	return b, nil
}

// InsertBulk writes rows encoded by EncodeBulk in the caller's transaction.
// Given several, in order (a table's rows before those that refer to them),
// their COPYs go to the server in one round trip.
func (s *Store) InsertBulk(ctx context.Context, bs ...*BulkRows) error {
	var copies []bulkStmt
	for _, b := range bs {
		if b.rows != nil {
			if err := s.copyAll(ctx, copies); err != nil {
				return err
			}
			copies = nil
			if err := s.bulkRows(ctx, b.sch, b.rows); err != nil {
				return err
			}
			continue
		}
		pool := s.w(ctx).Statement.ConnPool // not gorm's Exec: it would expand the arrays
		for _, st := range b.stmts {
			if st.copy != nil {
				copies = append(copies, st)
				continue
			}
			if _, err := pool.ExecContext(ctx, st.sql, st.args...); err != nil {
				return translate("model: bulk insert", err)
			}
		}
	}
	return s.copyAll(ctx, copies)
}

// bulkArrays encodes rows for PostgreSQL as one typed array per column,
// unnested by the server: sent in binary, as the bound rows' values are (JSON
// input was a third of the server's work in an import). Columns are typed as
// the table declares them, so each value is encoded as binding it would.
func (s *Store) bulkArrays(ctx context.Context, table string, fields []*schema.Field, used [][]bool, rv reflect.Value, out *BulkRows) (bool, error) {
	types, err := s.columnTypes(ctx, table)
	if err != nil {
		return true, err
	}
	for _, f := range fields {
		if _, ok := pgArrayElems[types[f.DBName]]; !ok {
			return false, nil
		}
	}
	var cols strings.Builder
	for j, f := range fields {
		if j > 0 {
			cols.WriteString(", ")
		}
		cols.WriteString(`"` + f.DBName + `"`)
	}
	if s.conn != nil {
		return true, s.bulkCopy(ctx, table, cols.String(), fields, types, rv, out)
	}
	var sql strings.Builder
	sql.WriteString(`INSERT INTO "` + table + `" (` + cols.String() + ") SELECT * FROM unnest(")
	for j, f := range fields {
		if j > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("$" + strconv.Itoa(j+1) + "::" + types[f.DBName] + "[]")
	}
	sql.WriteString(")")
	for b := range used {
		start, end := b*bulkJSONRows, min((b+1)*bulkJSONRows, rv.Len())
		args := make([]any, len(fields))
		for j, f := range fields {
			col := make([]any, end-start)
			for i := start; i < end; i++ {
				v, _ := f.ValueOf(ctx, reflect.Indirect(rv.Index(i)))
				x, ok := pgValue(v, pgArrayElems[types[f.DBName]])
				if !ok {
					return true, fmt.Errorf("model: bulk insert: %s of row %d (%T) is not a %s", f.DBName, i, v, types[f.DBName])
				}
				col[i-start] = x
			}
			args[j] = col
		}
		out.stmts = append(out.stmts, bulkStmt{sql: sql.String(), args: args})
	}
	return true, nil
}

// bulkCopy encodes rows, inside a PostgreSQL transaction, as the data of one
// COPY … FROM STDIN BINARY per bulkJSONRows rows, each value encoded by pgx
// for its column's type as binding it would be. Against the same rows as
// unnested arrays the server skips the arrays, the function scan and its
// tuple store, and fills heap pages many rows at a time; and as the data is
// ready before the COPY starts, the server is never kept waiting for it
// (encoding while copying, as pgx's CopyFrom does, left it idle whenever the
// import's other goroutines had the CPU).
func (s *Store) bulkCopy(ctx context.Context, table, cols string, fields []*schema.Field, types map[string]string, rv reflect.Value, out *BulkRows) error {
	m := pgtype.NewMap() // not safe for concurrent use: one per encoding
	oids := make([]uint32, len(fields))
	for j, f := range fields {
		t, ok := m.TypeForName(types[f.DBName])
		if !ok {
			return fmt.Errorf("model: bulk insert: no pgx type for %s", types[f.DBName])
		}
		oids[j] = t.OID
	}
	sql := `COPY "` + table + `" (` + cols + ") FROM STDIN BINARY"
	var buf []byte
	for start := 0; start < rv.Len(); start += bulkJSONRows {
		end := min(start+bulkJSONRows, rv.Len())
		buf = append(buf[:0], "PGCOPY\n\377\r\n\000"...)
		buf = binary.BigEndian.AppendUint32(buf, 0) // flags
		buf = binary.BigEndian.AppendUint32(buf, 0) // header extension
		for i := start; i < end; i++ {
			elem := reflect.Indirect(rv.Index(i))
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(fields)))
			for j, f := range fields {
				v, _ := f.ValueOf(ctx, elem)
				x, ok := pgValue(v, pgArrayElems[types[f.DBName]])
				if !ok {
					return fmt.Errorf("model: bulk insert: %s of row %d (%T) is not a %s", f.DBName, i, v, types[f.DBName])
				}
				at := len(buf)
				buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
				if x == nil {
					continue
				}
				if enc, ok := appendPgBinary(buf, types[f.DBName], x); ok {
					buf = enc
					binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
					continue
				}
				enc, err := m.Encode(oids[j], pgtype.BinaryFormatCode, x, buf)
				if err != nil {
					return fmt.Errorf("model: bulk insert: %s of row %d: %w", f.DBName, i, err)
				}
				if enc != nil {
					buf = enc
					binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
				}
			}
		}
		buf = binary.BigEndian.AppendUint16(buf, math.MaxUint16) // -1: end of data
		out.stmts = append(out.stmts, bulkStmt{sql: sql, copy: slices.Clone(buf), rows: end - start})
	}
	return nil
}

// pgEpoch is PostgreSQL's epoch for dates and timestamps in binary.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// appendPgBinary appends x (as pgValue gives it) in the binary form of a
// column of type typ, as pgx encodes it: for the types of most columns, as
// pgx's general encoder was a third of the time spent encoding; false for
// the others (numeric, float8), which go to pgx.
func appendPgBinary(buf []byte, typ string, x any) ([]byte, bool) {
	switch v := x.(type) {
	case int64:
		switch typ {
		case "int8":
			return binary.BigEndian.AppendUint64(buf, uint64(v)), true
		case "int4":
			if v >= math.MinInt32 && v <= math.MaxInt32 {
				return binary.BigEndian.AppendUint32(buf, uint32(int32(v))), true
			}
		case "int2":
			if v >= math.MinInt16 && v <= math.MaxInt16 {
				return binary.BigEndian.AppendUint16(buf, uint16(int16(v))), true
			}
		}
	case string:
		if typ == "text" || typ == "varchar" {
			return append(buf, v...), true
		}
	case bool:
		if typ == "bool" {
			if v {
				return append(buf, 1), true
			}
			return append(buf, 0), true
		}
	case time.Time:
		switch typ {
		case "timestamptz":
			us := v.Unix()*1_000_000 + int64(v.Nanosecond())/1000 - pgEpoch.Unix()*1_000_000
			return binary.BigEndian.AppendUint64(buf, uint64(us)), true
		case "date":
			day := time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)
			return binary.BigEndian.AppendUint32(buf, uint32(int32((day.Unix()-pgEpoch.Unix())/86400))), true
		}
	}
	return buf, false
}

// copyAll sends the COPYs of sts, data and all, on the transaction's
// connection in one write, and then reads their outcomes: the server goes
// from one to the next without waiting for us (pgx's CopyFrom takes a round
// trip each, and between two of them the server sat idle while the goroutine
// that sends the next one waited for a processor). Per the protocol a COPY
// that fails makes the server drop the rest of its data, and the COPYs after
// it fail in the aborted transaction; the first error is returned.
func (s *Store) copyAll(ctx context.Context, sts []bulkStmt) error {
	if len(sts) == 0 {
		return nil
	}
	if s.gate != nil {
		if err := s.gate(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection (%T)", dc)
		}
		pc := c.Conn().PgConn()
		if pc.IsBusy() || pc.IsClosed() {
			return fmt.Errorf("connection busy or closed")
		}
		// A context cancelled meanwhile ends the exchange as pgx does: by a
		// deadline on the socket (the connection is then closed below).
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			_ = pc.Conn().SetDeadline(time.Now())
			close(fired)
		})
		defer func() {
			if !stop() {
				<-fired
				_ = pc.Conn().SetDeadline(time.Time{})
			}
		}()
		fe := pc.Frontend()
		for _, st := range sts {
			fe.Send(&pgproto3.Query{String: st.sql})
			fe.Send(&pgproto3.CopyData{Data: st.copy})
			fe.Send(&pgproto3.CopyDone{})
		}
		if err := fe.Flush(); err != nil {
			_ = pc.Close(context.Background()) // the protocol's state is unknown
			return cmp.Or(ctx.Err(), err)
		}
		var first error
		for _, st := range sts {
			for done := false; !done; {
				msg, err := fe.Receive()
				if err != nil {
					_ = pc.Close(context.Background())
					return cmp.Or(ctx.Err(), err)
				}
				switch m := msg.(type) {
				case *pgproto3.ErrorResponse:
					if first == nil {
						first = pgconn.ErrorResponseToPgError(m)
					}
				case *pgproto3.CommandComplete:
					if n := pgconn.NewCommandTag(string(m.CommandTag)).RowsAffected(); n != int64(st.rows) && first == nil {
						first = fmt.Errorf("copied %d rows of %d", n, st.rows)
					}
				case *pgproto3.ReadyForQuery:
					done = true
				}
			}
		}
		return first
	})
	return translate("model: bulk insert", err)
}

// pgArrayElems maps the column types bulkArrays carries to the kind of Go value
// each element is.
var pgArrayElems = map[string]reflect.Kind{
	"int8": reflect.Int64, "int4": reflect.Int64, "int2": reflect.Int64,
	"text": reflect.String, "varchar": reflect.String,
	"bool": reflect.Bool, "numeric": reflect.Float64, "float8": reflect.Float64,
	"timestamptz": reflect.Struct, "date": reflect.Struct, // time.Time
}

// pgValue is v (a field's value) as an element of kind: nil for NULL.
func pgValue(v any, kind reflect.Kind) (any, bool) {
	if dv, ok := v.(driver.Valuer); ok {
		if isNil(v) {
			return nil, true
		}
		x, err := dv.Value()
		if err != nil {
			return nil, false
		}
		v = x
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, true
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil, true
	}
	switch kind {
	case reflect.Int64:
		if rv.CanInt() {
			return rv.Int(), true
		}
	case reflect.String:
		if rv.Kind() == reflect.String {
			return rv.String(), true
		}
	case reflect.Bool:
		if rv.Kind() == reflect.Bool {
			return rv.Bool(), true
		}
	case reflect.Float64:
		if rv.CanFloat() {
			return rv.Float(), true
		}
	case reflect.Struct:
		if t, ok := rv.Interface().(time.Time); ok {
			return t, true
		}
	}
	return nil, false
}

// pgColumnTypes caches each table's column types (udt names) as the
// migrations make them, the same in every schema.
var pgColumnTypes sync.Map // table → map[column]type

// columnTypes reads table's column types, outside the caller's transaction
// (EncodeBulk may run beside it).
func (s *Store) columnTypes(ctx context.Context, table string) (map[string]string, error) {
	if m, ok := pgColumnTypes.Load(table); ok {
		return m.(map[string]string), nil
	}
	var rows []struct{ Name, Type string }
	err := s.root.WithContext(ctx).Raw(`SELECT column_name AS name, udt_name AS type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ?`, table).Scan(&rows).Error
	if err != nil {
		return nil, translate("model: column types of "+table, err)
	}
	m := map[string]string{}
	for _, r := range rows {
		m[r.Name] = r.Type
	}
	pgColumnTypes.Store(table, m)
	return m, nil
}

// bulkRows inserts rows through gorm, their values bound as parameters.
func (s *Store) bulkRows(ctx context.Context, sch *schema.Schema, rows any) error {
	n := BulkBatch
	if s.dialect == DialectSQLite {
		n = max(1, sqliteBulkParams/max(1, len(sch.DBNames)))
	}
	return translate("model: bulk insert", s.w(ctx).CreateInBatches(rows, n).Error)
}

// bulkJSON encodes rows into out as statements of bulkJSONRows rows each: on
// SQLite one JSON array, unpacked by jsonb_each; on PostgreSQL one typed array
// per column (bulkArrays). Rows bound as parameters cost, on SQLite, binding
// in time quadratic in their number and compiling a statement per 16 hazards;
// on PostgreSQL, parsing and planning a statement of 22,500 parameters per 500
// hazards. It declines (false, nil) what it does not carry exactly as gorm
// would: a zero value where gorm would fill a default, an automatic time or a
// generated key, a float JSON cannot hold, and values other than text,
// numbers, booleans and times. Tests hold its rows equal to gorm's, column for
// column, on both engines.
func (s *Store) bulkJSON(ctx context.Context, sch *schema.Schema, rows any, out *BulkRows) (bool, error) {
	rv := reflect.Indirect(reflect.ValueOf(rows))
	if rv.Kind() != reflect.Slice || rv.Len() == 0 || len(sch.PrimaryFields) == 0 {
		return false, nil
	}
	var fields []*schema.Field
	for _, f := range sch.Fields {
		if f.DBName != "" && f.Creatable {
			fields = append(fields, f)
		}
	}
	// First every row: hooks run, and nothing is written unless all rows go as
	// JSON. Per batch, a nullable column NULL in all its rows is written as
	// NULL, not looked up row by row (an import leaves a third of a hazard's
	// columns empty).
	check := make([]bool, len(fields))    // decides whether the rows go as JSON
	nullable := make([]bool, len(fields)) // pointer fields
	for j, f := range fields {
		kind := f.FieldType.Kind()
		nullable[j] = kind == reflect.Pointer
		if nullable[j] {
			kind = f.FieldType.Elem().Kind()
		}
		check[j] = f.HasDefaultValue || f.AutoCreateTime > 0 || f.AutoUpdateTime > 0 ||
			kind == reflect.Float32 || kind == reflect.Float64
	}
	var used [][]bool // per batch, per field: written from the rows
	for i := 0; i < rv.Len(); i++ {
		elem := reflect.Indirect(rv.Index(i))
		if elem.Kind() != reflect.Struct {
			return false, nil
		}
		if sch.BeforeCreate {
			if h, ok := elem.Addr().Interface().(interface{ BeforeCreate(*gorm.DB) error }); ok {
				if err := h.BeforeCreate(s.db); err != nil {
					return true, fmt.Errorf("model: bulk insert: %w", err)
				}
			}
		}
		if i%bulkJSONRows == 0 {
			u := make([]bool, len(fields))
			for j := range u {
				u[j] = !nullable[j]
			}
			used = append(used, u)
		}
		u := used[len(used)-1]
		for j, f := range fields {
			if !check[j] && u[j] {
				continue
			}
			v, zero := f.ValueOf(ctx, elem)
			if check[j] {
				if zero && (f.HasDefaultValue || f.AutoCreateTime > 0 || f.AutoUpdateTime > 0) {
					return false, nil // gorm fills these
				}
				if x := reflect.Indirect(reflect.ValueOf(v)); x.CanFloat() && (math.IsNaN(x.Float()) || math.IsInf(x.Float(), 0)) {
					return false, nil // no JSON number
				}
			}
			if !u[j] && !isNil(v) {
				u[j] = true
			}
		}
	}
	if s.dialect == DialectPostgres {
		return s.bulkArrays(ctx, sch.Table, fields, used, rv, out)
	}
	var buf []byte
	for b, u := range used {
		start, end := b*bulkJSONRows, min((b+1)*bulkJSONRows, rv.Len())
		buf = append(buf[:0], '[')
		for i := start; i < end; i++ {
			elem := reflect.Indirect(rv.Index(i))
			if i > start {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			first := true
			for j, f := range fields {
				if !u[j] {
					continue
				}
				if !first {
					buf = append(buf, ',')
				}
				first = false
				v, _ := f.ValueOf(ctx, elem)
				var ok bool
				if buf, ok = s.appendJSONValue(buf, v); !ok {
					return true, fmt.Errorf("model: bulk insert: %s of row %d (%T) has no JSON form", f.DBName, i, v)
				}
			}
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
		out.stmts = append(out.stmts, bulkStmt{sql: bulkJSONSQL(sch.Table, fields, u), args: []any{string(buf)}})
	}
	return true, nil
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// bulkJSONSQL is SQLite's INSERT of bulkJSON for table; the fields not used
// are NULL in every row (and absent from the rows' JSON).
func bulkJSONSQL(table string, fields []*schema.Field, used []bool) string {
	var cols, vals strings.Builder
	k := 0
	for j, f := range fields {
		if j > 0 {
			cols.WriteString(", ")
			vals.WriteString(", ")
		}
		cols.WriteString(`"` + f.DBName + `"`)
		if used[j] {
			vals.WriteString("value ->> " + strconv.Itoa(k))
			k++
		} else {
			vals.WriteString("NULL")
		}
	}
	return `INSERT INTO "` + table + `" (` + cols.String() + `) SELECT ` + vals.String() + ` FROM jsonb_each(?)`
}

// appendJSONValue appends v as the JSON value SQLite turns into what binding v
// would store: false when v has no such form.
func (s *Store) appendJSONValue(buf []byte, v any) ([]byte, bool) {
	if dv, ok := v.(driver.Valuer); ok {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return append(buf, "null"...), true
		}
		x, err := dv.Value()
		if err != nil {
			return buf, false
		}
		v = x
	}
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), true
	case string:
		return appendJSONString(buf, x), true
	case int64:
		return strconv.AppendInt(buf, x, 10), true
	case int:
		return strconv.AppendInt(buf, int64(x), 10), true
	case bool:
		return strconv.AppendBool(buf, x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return buf, false
		}
		return strconv.AppendFloat(buf, x, 'g', -1, 64), true
	case time.Time:
		buf = append(buf, '"')
		buf = x.AppendFormat(buf, sqliteTimeFormat) // as the driver writes a bound time
		return append(buf, '"'), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return append(buf, "null"...), true
		}
		return s.appendJSONValue(buf, rv.Elem().Interface())
	case reflect.String:
		return appendJSONString(buf, rv.String()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(buf, rv.Int(), 10), true
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return strconv.AppendUint(buf, rv.Uint(), 10), true
	case reflect.Bool:
		return strconv.AppendBool(buf, rv.Bool()), true
	case reflect.Float32, reflect.Float64:
		return s.appendJSONValue(buf, rv.Float())
	}
	return buf, false
}

// appendJSONString appends s as a JSON string.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

const hexDigits = "0123456789abcdef"

// bulkTables are the tables whose IDs ReserveIDsOf hands out.
var bulkTables = map[string]bool{"hazards": true, "hazard_events": true, "enterprises": true, "outbox": true}

// ReserveIDsOf returns new IDs of tables ("hazards", "hazard_events",
// "enterprises", "outbox"; table → how many), each run ascending, for records
// written in bulk in this transaction. On PostgreSQL they come from the
// tables' identity sequences (safe beside other writers), in one statement on
// a connection of the pool rather than the transaction's: sequences are not
// transactional, and the transaction's connection may be busy with a bulk
// write (the import's batch in flight). On SQLite they lie past the largest ID
// ever given (the transaction holds the write lock from BEGIN, so no one else
// inserts until it ends). Rows with reserved IDs must be inserted before any
// other insert into their table in the transaction. Only inside Tx.
func (s *Store) ReserveIDsOf(ctx context.Context, want map[string]int) (map[string][]int64, error) {
	tables := make([]string, 0, len(want))
	for table, n := range want {
		if !bulkTables[table] || !s.inTx {
			return nil, fmt.Errorf("model: reserve ids of %q: only for %v, inside a transaction", table, bulkTables)
		}
		if n > 0 {
			tables = append(tables, table)
		}
	}
	slices.Sort(tables)
	out := make(map[string][]int64, len(tables))
	if len(tables) == 0 {
		return out, nil
	}
	if s.dialect == DialectPostgres {
		// Each sequence is looked up once (a scalar subquery), not per row
		// (per row, the lookup was a visible part of the server's work in an
		// import: 300,000 IDs).
		var sql strings.Builder
		var args []any
		for i, table := range tables {
			if i > 0 {
				sql.WriteString(" UNION ALL ")
			}
			sql.WriteString("SELECT ? AS t, nextval((SELECT pg_get_serial_sequence(?, 'id'))::regclass) AS id FROM generate_series(1, ?)")
			args = append(args, table, table, want[table])
		}
		sql.WriteString(" ORDER BY 1, 2")
		var rows []struct {
			T  string
			ID int64
		}
		if err := s.root.WithContext(ctx).Raw(sql.String(), args...).Scan(&rows).Error; err != nil {
			return nil, translate(fmt.Sprintf("model: reserve ids of %v", tables), err)
		}
		for _, r := range rows {
			out[r.T] = append(out[r.T], r.ID)
		}
		for _, table := range tables {
			if len(out[table]) != want[table] {
				return nil, fmt.Errorf("model: reserve ids of %s: got %d of %d", table, len(out[table]), want[table])
			}
		}
		return out, nil
	}
	for _, table := range tables {
		var last int64
		err := s.w(ctx).Raw(`SELECT MAX(v) FROM (SELECT COALESCE(MAX(id), 0) AS v FROM `+table+`
			UNION ALL SELECT seq FROM sqlite_sequence WHERE name = ?) t`, table).Scan(&last).Error
		if err != nil {
			return nil, translate("model: reserve ids of "+table, err)
		}
		ids := make([]int64, want[table])
		for i := range ids {
			ids[i] = last + int64(i) + 1
		}
		out[table] = ids
	}
	return out, nil
}

// ReserveNumbersIn hands out, in one statement, consecutive numbers of the
// named sequence in several periods (period → how many; see NextNumber) and
// returns the last of each: the first is last-k+1.
func (s *Store) ReserveNumbersIn(ctx context.Context, name string, want map[string]int64) (map[string]int64, error) {
	periods := make([]string, 0, len(want))
	for p := range want {
		periods = append(periods, p)
	}
	slices.Sort(periods) // rows locked in one order by every writer
	out := make(map[string]int64, len(periods))
	if len(periods) == 0 {
		return out, nil
	}
	var sql strings.Builder
	args := make([]any, 0, 3*len(periods))
	sql.WriteString("INSERT INTO counters (name, period, value) VALUES ")
	for i, p := range periods {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("(?, ?, ?)")
		args = append(args, name, p, want[p])
	}
	sql.WriteString(` ON CONFLICT (name, period) DO UPDATE SET value = counters.value + excluded.value
		RETURNING period, value`)
	var rows []struct {
		Period string
		Value  int64
	}
	if err := s.w(ctx).Raw(sql.String(), args...).Scan(&rows).Error; err != nil {
		return nil, translate("model: reserve numbers", err)
	}
	for _, r := range rows {
		out[r.Period] = r.Value
	}
	if len(out) != len(periods) {
		return nil, fmt.Errorf("model: reserve numbers: got %d periods of %d", len(out), len(periods))
	}
	return out, nil
}

// MaxID returns the largest id of table ("hazards", "enterprises", …), 0 if empty.
func (s *Store) MaxID(ctx context.Context, table string) (int64, error) {
	var n *int64
	err := s.r(ctx).Table(table).Select("MAX(id)").Scan(&n).Error
	if n == nil {
		return 0, translate("model: max id", err)
	}
	return *n, translate("model: max id", err)
}

// Analyze refreshes the query planner's statistics after a bulk load. (The
// hazard list binds no value SQLite's planner reads, see hazardWhere, so its
// samples do not make the list's kept statements compile again.)
func (s *Store) Analyze(ctx context.Context) error {
	return translate("model: analyze", s.w(ctx).Exec("ANALYZE").Error)
}

// VacuumHazards sets PostgreSQL's visibility map of the hazards after a bulk
// load (VACUUM, outside a transaction), so that the lists' index-only scans
// (00014) need not read rows to check them; autovacuum would, in its own time.
// SQLite has no visibility map: nothing to do.
func (s *Store) VacuumHazards(ctx context.Context) error {
	if s.dialect != DialectPostgres || s.inTx {
		return nil
	}
	return translate("model: vacuum", s.w(ctx).Exec("VACUUM hazards").Error)
}

// Counter is a row of the counters table (see NextNumber).
type Counter struct {
	Name   string `gorm:"primaryKey"`
	Period string `gorm:"primaryKey"`
	Value  int64
}

// RaiseCounters makes each counter at least its given value, so that numbers
// handed out after a bulk load do not repeat the loaded ones.
func (s *Store) RaiseCounters(ctx context.Context, cs []Counter) error {
	for i := 0; i < len(cs); i += BulkBatch {
		batch := cs[i:min(i+BulkBatch, len(cs))]
		err := s.w(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "name"}, {Name: "period"}},
			DoUpdates: clause.Assignments(map[string]any{"value": gorm.Expr("CASE WHEN excluded.value > counters.value THEN excluded.value ELSE counters.value END")}),
		}).Create(&batch).Error
		if err != nil {
			return translate("model: raise counters", err)
		}
	}
	return nil
}

// SyncSequences moves PostgreSQL's identity sequences past rows inserted with
// explicit ids; SQLite's AUTOINCREMENT follows by itself.
func (s *Store) SyncSequences(ctx context.Context) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	for _, t := range []string{"hazards", "hazard_events", "enterprises", "escalations"} {
		err := s.w(ctx).Exec("SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE((SELECT MAX(id) FROM "+t+"), 0) + 1, false)", t).Error
		if err != nil {
			return translate("model: sync sequences", err)
		}
	}
	return nil
}

// Counters returns every counter, to continue numbering after them.
func (s *Store) Counters(ctx context.Context) ([]Counter, error) {
	var cs []Counter
	return cs, translate("model: counters", s.r(ctx).Find(&cs).Error)
}
