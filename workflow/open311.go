package workflow

import (
	"context"
	"errors"
	"strings"
	"time"

	"hazardloop/model"
)

// Open311 GeoReport v2 (issue 18) is a second door to the public report intake:
// its service codes are the kinds of hazard the public reports, its requests
// are public reports (same checks, same sealing, same limit, same tracking
// code), and its service_request_id is a public id drawn from the tracking
// code, which itself stays the reporter's secret (Open311's token).

// Service is one Open311 service: a kind of hazard the public may report.
type Service struct {
	Code        string
	Name        string
	Description string
	Keywords    string
	Group       string
}

// Services lists the kinds, in the order a reporter reads them.
var Services311 = []Service{
	{"fire", "消防安全", "消防通道堵塞、消防设施损坏、违规用火用电、电动车违规充电等", "消防,火灾,电动车,通道", "安全生产"},
	{"gas", "燃气安全", "燃气泄漏、液化气钢瓶违规存放或使用、燃气管道损坏等", "燃气,液化气,钢瓶,泄漏", "安全生产"},
	{"hazchem", "危险化学品", "危险化学品违规储存、运输、使用或非法经营", "危化品,化学品,易燃易爆", "安全生产"},
	{"construction", "建筑施工", "工地无防护施工、脚手架或塔吊隐患、深基坑无围挡等", "工地,施工,塔吊,脚手架", "安全生产"},
	{"workplace", "工贸企业", "工厂、仓库、车间的设备设施和作业场所隐患，粉尘、有限空间作业等", "工厂,车间,粉尘,有限空间", "安全生产"},
	{"special_equipment", "特种设备", "电梯、锅炉、压力容器、游乐设施等运行异常或无证使用", "电梯,锅炉,压力容器", "安全生产"},
	{"road", "道路交通", "道路塌陷、护栏缺失、危险路段无警示等", "道路,交通,塌陷,护栏", "公共安全"},
	{"disaster", "自然灾害", "山体滑坡、崩塌、内涝积水、危房等地质灾害和防汛隐患", "滑坡,崩塌,内涝,防汛,危房", "防灾减灾"},
	{"other", "其他隐患", "以上类别之外的安全隐患", "其他", "安全生产"},
}

// Service311 returns the service of code.
func Service311(code string) (Service, bool) {
	for _, s := range Services311 {
		if s.Code == code {
			return s, true
		}
	}
	return Service{}, false
}

// serviceOfTitle reads the service back from the title Submit311 made.
func serviceOfTitle(title string) Service {
	for _, s := range Services311 {
		if strings.HasPrefix(title, "【"+s.Name+"】") {
			return s
		}
	}
	return Service{Code: "other", Name: "其他隐患"}
}

// Request311 is a public report as Open311 shows it to anyone: its public id,
// where it stands, and what the reporter wrote of the hazard — never the
// contact nor the coordinates the reporter's phone gave (they may say where the
// reporter lives; staff see them).
type Request311 struct {
	ID          string
	Status      string // open or closed
	StatusNotes string
	Service     Service
	Description string
	Requested   time.Time
	Updated     time.Time
	Address     string
}

// Open311ID is the public id of tracking code: the first 16 hex digits of its
// hash, which says nothing of the code itself.
func Open311ID(code string) (string, bool) {
	c, ok := normalizeCode(code)
	if !ok {
		return "", false
	}
	return codeHash(c)[:16], true
}

// Submit311 takes a request of service code as a public report: the title is
// the service's name with the start of the description.
func (e *Reports) Submit311(ctx context.Context, code string, in ReportInput) (ReportReceipt, error) {
	s, ok := Service311(code)
	if !ok {
		return ReportReceipt{}, errInvalid(map[string]string{"service_code": "没有这一服务类别（service_code）"})
	}
	d := []rune(strings.TrimSpace(in.Description))
	if len(d) > 40 {
		d = append(d[:40], '…')
	}
	in.Title = "【" + s.Name + "】" + string(d)
	return e.Submit(ctx, in)
}

var errNoRequest = &Error{Kind: KindNotFound, Code: "not_found", Message: "没有这一服务请求（service_request_id）"}

// Request311 returns the request of public id.
func (e *Reports) Request311(ctx context.Context, id string) (Request311, error) {
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		return Request311{}, errNoRequest
	}
	rs, err := e.store.ReportsByCodePrefix(ctx, id)
	if err != nil {
		return Request311{}, err
	}
	if len(rs) != 1 { // none, or (2^-64) ambiguous
		return Request311{}, errNoRequest
	}
	return e.request311(ctx, &rs[0])
}

// Requests311 lists the requests received in [from, to) (at most 1000), or
// those of ids; status "open" or "closed" filters.
func (e *Reports) Requests311(ctx context.Context, ids []string, code, status string, from, to time.Time) ([]Request311, error) {
	var out []Request311
	keep := func(r Request311) {
		if (code == "" || r.Service.Code == code) && (status == "" || r.Status == status) {
			out = append(out, r)
		}
	}
	if len(ids) > 0 {
		for _, id := range ids {
			r, err := e.Request311(ctx, id)
			var we *Error
			if errors.As(err, &we) && we.Kind == KindNotFound {
				continue
			} else if err != nil {
				return nil, err
			}
			keep(r)
		}
		return out, nil
	}
	rs, err := e.store.ReportsReceived(ctx, from, to, 1000)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		r, err := e.request311(ctx, &rs[i])
		if err != nil {
			return nil, err
		}
		keep(r)
	}
	return out, nil
}

func (e *Reports) request311(ctx context.Context, r *model.Report) (Request311, error) {
	st, err := e.progress(ctx, r)
	if err != nil {
		return Request311{}, err
	}
	h, err := e.store.GetHazard(ctx, r.HazardID)
	if err != nil {
		return Request311{}, err
	}
	out := Request311{ID: r.CodeHash[:16], Status: "open", StatusNotes: st.StatusText, Service: serviceOfTitle(h.Title),
		Description: h.Description, Requested: r.ReceivedAt, Updated: h.UpdatedAt, Address: r.Address}
	if st.Status == "rectified" || st.Status == "not_substantiated" {
		out.Status = "closed" // the reason and the answer are for the code's holder only
	}
	return out, nil
}
