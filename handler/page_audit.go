package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

type auditView struct {
	base
	Q        workflow.AuditQuery
	Entries  []auditRow
	Kinds    []option
	Entities []option
	Actors   []option
	First    string // the first page's address, with the filters
	Next     string // the next page's address, "" on the last
}

// auditRow is an entry as the page shows it: what changed, field by field.
type auditRow struct {
	workflow.AuditItem
	Entity  string // the entity's Chinese name
	Changes []auditLine
}

// auditLine is one field of a change: its value before and after ("" for
// none: set by a creation, or gone).
type auditLine struct{ Field, Before, After string }

// auditPage is the audit log for admins: the API's filters and keyset pages,
// each entry's change shown field by field.
func (u *ui) auditPage(c *gin.Context) {
	q := auditQuery(c)
	v := auditView{base: u.base(c, "审计日志", "/admin"), Q: q, First: withQuery("/admin/audit", auditValues(q))}
	a := actor(c)
	p, err := u.s.directory.Audit(c.Request.Context(), a, q)
	var we *workflow.Error
	if errors.As(err, &we) && we.Kind == workflow.KindForbidden {
		u.fail(c, err)
		return
	}
	for _, k := range workflow.AuditKinds {
		v.Kinds = append(v.Kinds, option{k[0], k[1]})
	}
	for _, e := range workflow.AuditEntities {
		v.Entities = append(v.Entities, option{e[0], e[1]})
	}
	users, uerr := u.s.directory.Users(c.Request.Context(), a)
	if uerr != nil {
		u.fail(c, uerr)
		return
	}
	for _, us := range users {
		v.Actors = append(v.Actors, option{strconv.FormatInt(us.ID, 10), us.DisplayName + "（" + us.Username + "）"})
	}
	if err != nil {
		pr := u.refusal(c, err)
		v.Error = pr.Message
		u.render(c, pr.Status, "audit", v)
		return
	}
	for _, e := range p.Entries {
		v.Entries = append(v.Entries, auditRow{AuditItem: e, Entity: entityLabel(e.Entity), Changes: auditLines(e.Before, e.After)})
	}
	if p.NextCursor != "" {
		nv := auditValues(q)
		nv.Set("cursor", p.NextCursor)
		v.Next = withQuery("/admin/audit", nv)
	}
	u.render(c, http.StatusOK, "audit", v)
}

func auditValues(q workflow.AuditQuery) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "actor": q.Actor, "entity": q.Entity, "from": q.From, "to": q.To, "limit": q.Limit} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func entityLabel(e string) string {
	for _, x := range workflow.AuditEntities {
		if x[0] == e {
			return x[1]
		}
	}
	return e
}

// auditFields are the Chinese names of the fields entries record.
var auditFields = map[string]string{
	"username": "用户名", "display_name": "姓名", "role": "角色", "region_code": "区划", "enterprise_id": "所属企业",
	"department": "主管部门", "active": "状态", "locked": "登录锁定", "sessions_ended": "登录会话",
	"code": "代码", "name": "名称", "parent_code": "上级区划", "credit_code": "统一社会信用代码", "industry": "行业",
	"rows": "表中行数", "added": "新增", "renamed": "更名", "unchanged": "未变", "kept": "保留", "names": "更名的区划",
	"year": "年份", "source": "依据", "holidays": "放假安排", "workdays": "调休上班日", "provisional": "暂定",
	"general_days": "一般隐患升级（逾期天数）", "major_days": "重大隐患升级（逾期天数）", "plan_days": "未制定方案按逾期计（天）",
	"working_days": "按工作日计", "reply_days": "回复期限（工作日）", "remind_days": "到期前提醒（天）",
	"transfer_days": "移交签收期限（工作日）", "verify_days": "核实期限（工作日）", "resume_review_days": "复产审查期限（天）",
	"id": "编号", "title": "标题", "number": "标准号", "version": "版本", "issued_on": "发布日期", "industries": "适用行业",
	"clauses": "条款", "sources": "来源", "text_source": "文本来源", "created_at": "时间",
}

// auditFieldOrder is the order fields are shown in, as an account or a
// region is read (who, then where); other fields follow by name.
var auditFieldOrder = []string{
	"username", "display_name", "role", "department", "region_code", "enterprise_id", "active", "locked", "sessions_ended",
	"code", "name", "parent_code", "credit_code", "industry",
	"rows", "added", "renamed", "unchanged", "kept", "names",
	"id", "title", "number", "version", "issued_on", "industries", "year", "source", "provisional", "holidays", "workdays",
}

// maxAuditValue is how many characters of a value the page shows (a
// standard's clauses run long; the API has them whole).
const maxAuditValue = 160

// auditLines are the fields before and after differ in, in a steady order:
// every field of a creation, only the changed ones of an update.
func auditLines(before, after json.RawMessage) []auditLine {
	var b, a map[string]any
	_ = json.Unmarshal(before, &b) // null, or an object the log wrote
	_ = json.Unmarshal(after, &a)
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y string) int {
		ix, iy := slices.Index(auditFieldOrder, x), slices.Index(auditFieldOrder, y)
		switch {
		case ix >= 0 && iy >= 0:
			return ix - iy
		case ix >= 0:
			return -1
		case iy >= 0:
			return 1
		}
		return strings.Compare(x, y)
	})
	var out []auditLine
	for _, k := range keys {
		bv, bok := b[k]
		av, aok := a[k]
		if bok && aok && jsonEqual(bv, av) {
			continue
		}
		l := auditLine{Field: k}
		if f, ok := auditFields[k]; ok {
			l.Field = f
		}
		if bok {
			l.Before = auditValue(k, bv)
		}
		if aok {
			l.After = auditValue(k, av)
		}
		out = append(out, l)
	}
	return out
}

func jsonEqual(x, y any) bool {
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(bx) == string(by)
}

// auditValue shows v, the value of field k, as people read it.
func auditValue(k string, v any) string {
	var s string
	switch t := v.(type) {
	case nil:
		return "（无）"
	case bool:
		switch k {
		case "active":
			s = map[bool]string{true: "启用", false: "停用"}[t]
		case "sessions_ended":
			s = map[bool]string{true: "已全部结束", false: "保留"}[t]
		default:
			s = map[bool]string{true: "是", false: "否"}[t]
		}
	case string:
		switch k {
		case "role":
			s = model.Role(t).Label()
		case "department":
			s = model.Department(t).Label()
		default:
			s = t
		}
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case map[string]any:
		ks := make([]string, 0, len(t))
		for k := range t {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		parts := make([]string, 0, len(ks))
		for _, k := range ks {
			parts = append(parts, k+"："+auditValue(k, t[k]))
		}
		s = strings.Join(parts, "；")
	default:
		b, _ := json.Marshal(t)
		s = string(b)
	}
	if utf8.RuneCountInString(s) > maxAuditValue {
		s = string([]rune(s)[:maxAuditValue]) + fmt.Sprintf("…（共 %d 字）", utf8.RuneCountInString(s))
	}
	return s
}
