package handler

import (
	"crypto/subtle"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), the public-issue
// standard of FixMyStreet and city 311 services, beside our own API: every
// route answers JSON or XML by its extension, errors are the spec's error list.
// Requests go through the public report intake (workflow.Reports.Submit311):
// its checks, its sealing of the contact, its per-client limit. The token of a
// request is its tracking code (the reporter's secret, shown once); its
// service_request_id is a public id drawn from it.

func (s *Server) open311Routes(r *gin.Engine) {
	g := r.Group("/open311/v2")
	for _, f := range []string{"json", "xml"} {
		g.GET("/services."+f, s.open311Services)
		g.GET("/requests."+f, s.open311Requests)
		g.POST("/requests."+f, s.open311Post)
	}
	g.GET("/services/:file", s.open311Definition)
	g.GET("/requests/:file", s.open311Request)
	g.GET("/tokens/:file", s.open311Token)
}

// format311 is the answer's format, from the path's extension; "" if neither.
func format311(path string) string {
	switch {
	case strings.HasSuffix(path, ".json"):
		return "json"
	case strings.HasSuffix(path, ".xml"):
		return "xml"
	}
	return ""
}

// fileID311 is the id of a path's last segment, {id}.json or {id}.xml; false
// for another ending or an empty id.
func fileID311(c *gin.Context) (string, bool) {
	file := c.Param("file")
	f := format311(file)
	id := strings.TrimSuffix(file, "."+f)
	return id, f != "" && id != ""
}

// render311 writes v (a slice for JSON) or x (its XML document).
func render311(c *gin.Context, status int, v, x any) {
	if format311(c.Request.URL.Path) == "xml" {
		b, err := xml.Marshal(x)
		if err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		c.Data(status, "text/xml; charset=utf-8", append([]byte(xml.Header), b...))
		return
	}
	c.JSON(status, v)
}

type error311 struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type errors311 struct {
	XMLName xml.Name   `json:"-" xml:"errors"`
	Errors  []error311 `xml:"error"`
}

// open311Names are Open311's names of our intake's fields.
var open311Names = map[string]string{
	"description": "description", "title": "description", "address": "address_string", "latitude": "lat",
	"longitude": "long", "region_code": "attribute[region_code]", "contact_name": "first_name",
	"contact_phone": "phone", "email": "email", "discovered_at": "attribute[discovered_at]",
}

// fail311 answers err as the spec's error list: one error per field, named as
// Open311 names it.
func (s *Server) fail311(c *gin.Context, err error) {
	p := s.answer(c, err)
	if p.Status == statusClientClosed {
		c.AbortWithStatus(statusClientClosed)
		return
	}
	var list []error311
	for f, m := range p.Fields {
		name := open311Names[f]
		if name == "" {
			name = f
		}
		list = append(list, error311{p.Status, name + "：" + m})
	}
	if len(list) == 0 {
		list = []error311{{p.Status, p.Message}}
	}
	render311(c, p.Status, list, errors311{Errors: list})
	c.Abort()
}

type service311 struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type services311 struct {
	XMLName  xml.Name     `json:"-" xml:"services"`
	Services []service311 `xml:"service"`
}

func (s *Server) open311Services(c *gin.Context) {
	out := []service311{}
	for _, v := range workflow.Services311 {
		out = append(out, service311{v.Code, v.Name, v.Description, true, "realtime", v.Keywords, v.Group})
	}
	c.Header("Cache-Control", "public, max-age=3600")
	render311(c, http.StatusOK, out, services311{Services: out})
}

type attribute311 struct {
	Variable            bool   `json:"variable" xml:"variable"`
	Code                string `json:"code" xml:"code"`
	Datatype            string `json:"datatype" xml:"datatype"`
	Required            bool   `json:"required" xml:"required"`
	DatatypeDescription string `json:"datatype_description" xml:"datatype_description"`
	Order               int    `json:"order" xml:"order"`
	Description         string `json:"description" xml:"description"`
}

type definition311 struct {
	XMLName     xml.Name       `json:"-" xml:"service_definition"`
	ServiceCode string         `json:"service_code" xml:"service_code"`
	Attributes  []attribute311 `json:"attributes" xml:"attributes>attribute"`
}

// open311Definition: every service asks the same extra attributes, the region
// (a county's code, from GET /api/v1/public/regions; jurisdiction_id is taken
// too) and the day the hazard was found.
func (s *Server) open311Definition(c *gin.Context) {
	code, ok := fileID311(c)
	if !ok {
		s.fail311(c, errRoute)
		return
	}
	if _, ok := workflow.Service311(code); !ok {
		s.fail311(c, &httpError{http.StatusNotFound, "not_found", "没有这一服务类别（service_code）", nil})
		return
	}
	d := definition311{ServiceCode: code, Attributes: []attribute311{
		{true, "region_code", "string", true, "行政区划代码（县级），见 GET /api/v1/public/regions", 1, "隐患所在地区"},
		{true, "discovered_at", "datetime", false, "YYYY-MM-DD", 2, "发现日期"},
	}}
	render311(c, http.StatusOK, d, d)
}

type posted311 struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
	ServiceNotice    string `json:"service_notice" xml:"service_notice"`
	AccountID        string `json:"account_id" xml:"account_id"`
}

type postedList311 struct {
	XMLName  xml.Name    `json:"-" xml:"service_requests"`
	Requests []posted311 `xml:"request"`
}

// open311Post takes a request (form-encoded, as the spec sends it) as a public
// report. media_url is not fetched: the service does not go out to addresses a
// client names; photos come through POST /api/v1/public/reports.
func (s *Server) open311Post(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxJSONBytes)
	if err := c.Request.ParseForm(); err != nil {
		s.fail311(c, &httpError{http.StatusBadRequest, "invalid_form", "请求内容无法解析（应为 application/x-www-form-urlencoded）", nil})
		return
	}
	if len(s.opts.Open311Keys) > 0 && !s.open311Key(c.PostForm("api_key")) {
		s.fail311(c, &httpError{http.StatusForbidden, "api_key", "api_key 无效或缺失", nil})
		return
	}
	if err := s.reports.IntakeAllowed(c.Request.Context(), c.ClientIP()); err != nil {
		s.fail311(c, err)
		return
	}
	f := c.PostForm
	region := f("attribute[region_code]")
	if region == "" {
		region = f("jurisdiction_id")
	}
	in := workflow.ReportInput{Description: f("description"), RegionCode: region, Address: f("address_string"),
		DiscoveredAt: f("attribute[discovered_at]"), ContactPhone: f("phone"), ContactEmail: f("email"),
		ContactName: strings.TrimSpace(f("last_name") + f("first_name"))}
	for name, dst := range map[string]**float64{"lat": &in.Latitude, "long": &in.Longitude} {
		if v := strings.TrimSpace(f(name)); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				s.fail311(c, &httpError{http.StatusBadRequest, "invalid_fields", "坐标应为数字", map[string]string{name: "坐标应为数字"}})
				return
			}
			*dst = &x
		}
	}
	if in.Address == "" && in.Latitude != nil && in.Longitude != nil {
		// The spec lets a location be coordinates alone; the intake wants words.
		in.Address = "坐标 " + strconv.FormatFloat(*in.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(*in.Longitude, 'f', 6, 64)
	}
	receipt, err := s.reports.Submit311(c.Request.Context(), f("service_code"), in)
	if err != nil {
		s.fail311(c, err)
		return
	}
	id, _ := workflow.Open311ID(receipt.TrackingCode)
	out := []posted311{{ServiceRequestID: id, Token: receipt.TrackingCode, ServiceNotice: receipt.Message +
		"查询码：" + receipt.TrackingCode}}
	c.Header("Cache-Control", "no-store")
	render311(c, http.StatusCreated, out, postedList311{Requests: out})
}

// open311Key tells whether key is one of --open311-keys, in constant time.
func (s *Server) open311Key(key string) bool {
	ok := 0
	for _, k := range s.opts.Open311Keys {
		ok |= subtle.ConstantTimeCompare([]byte(k), []byte(key))
	}
	return key != "" && ok == 1
}

// request311 is a request as the spec writes it, less lat and long: the
// coordinates a report carries are where the reporter's phone stood, for staff.
// Nor do answers carry the description or the address: they are the
// reporter's own words, which may name them or their workplace (举报人保护),
// and anyone may list the requests; the reporter knows what they wrote, and
// what the public may see of a hazard is the exposure board's.
type request311 struct {
	ServiceRequestID  string `json:"service_request_id" xml:"service_request_id"`
	Status            string `json:"status" xml:"status"`
	StatusNotes       string `json:"status_notes" xml:"status_notes"`
	ServiceName       string `json:"service_name" xml:"service_name"`
	ServiceCode       string `json:"service_code" xml:"service_code"`
	Description       string `json:"description" xml:"description"`
	AgencyResponsible string `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string `json:"expected_datetime" xml:"expected_datetime"`
	Address           string `json:"address" xml:"address"`
	AddressID         string `json:"address_id" xml:"address_id"`
	Zipcode           string `json:"zipcode" xml:"zipcode"`
	MediaURL          string `json:"media_url" xml:"media_url"`
}

type requests311 struct {
	XMLName  xml.Name     `json:"-" xml:"service_requests"`
	Requests []request311 `xml:"request"`
}

func toRequest311(r workflow.Request311) request311 {
	return request311{ServiceRequestID: r.ID, Status: r.Status, StatusNotes: r.StatusNotes, ServiceName: r.Service.Name,
		ServiceCode: r.Service.Code, AgencyResponsible: "应急管理部门",
		RequestedDatetime: r.Requested.In(shanghai311).Format(time.RFC3339),
		UpdatedDatetime:   r.Updated.In(shanghai311).Format(time.RFC3339)}
}

var shanghai311 = time.FixedZone("CST", 8*3600)

func (s *Server) renderRequests(c *gin.Context, rs []workflow.Request311) {
	out := make([]request311, 0, len(rs))
	for _, r := range rs {
		out = append(out, toRequest311(r))
	}
	render311(c, http.StatusOK, out, requests311{Requests: out})
}

// open311Requests lists requests: service_request_id (comma-separated), or
// start_date/end_date (RFC 3339; the last 90 days by default), service_code,
// status; at most 1000.
func (s *Server) open311Requests(c *gin.Context) {
	var ids []string
	if v := c.Query("service_request_id"); v != "" {
		ids = strings.Split(v, ",")
		if len(ids) > 100 {
			s.fail311(c, &httpError{http.StatusBadRequest, "invalid_fields", "一次最多查询100个服务请求", map[string]string{"service_request_id": "最多100个"}})
			return
		}
	}
	to := s.reports.Now().Add(time.Minute)
	from := to.AddDate(0, 0, -90)
	for name, dst := range map[string]*time.Time{"start_date": &from, "end_date": &to} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.fail311(c, &httpError{http.StatusBadRequest, "invalid_fields", name + " 应为 RFC 3339 时间", map[string]string{name: "应为 RFC 3339 时间，如 2026-12-01T00:00:00+08:00"}})
				return
			}
			*dst = t
		}
	}
	status := c.Query("status")
	if status != "" && status != "open" && status != "closed" {
		s.fail311(c, &httpError{http.StatusBadRequest, "invalid_fields", "status 只能是 open 或 closed", map[string]string{"status": "只能是 open 或 closed"}})
		return
	}
	rs, err := s.reports.Requests311(c.Request.Context(), ids, c.Query("service_code"), status, from, to)
	if err != nil {
		s.fail311(c, err)
		return
	}
	s.renderRequests(c, rs)
}

func (s *Server) open311Request(c *gin.Context) {
	id, ok := fileID311(c)
	if !ok {
		s.fail311(c, errRoute)
		return
	}
	r, err := s.reports.Request311(c.Request.Context(), id)
	if err != nil {
		s.fail311(c, err)
		return
	}
	s.renderRequests(c, []workflow.Request311{r})
}

type token311 struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

type tokens311 struct {
	XMLName  xml.Name   `json:"-" xml:"service_requests"`
	Requests []token311 `xml:"request"`
}

// open311Token turns a token (the tracking code) into its service_request_id.
func (s *Server) open311Token(c *gin.Context) {
	tok, ok := fileID311(c)
	if !ok {
		s.fail311(c, errRoute)
		return
	}
	if _, err := s.reports.Status(c.Request.Context(), tok); err != nil {
		s.fail311(c, err)
		return
	}
	id, _ := workflow.Open311ID(tok)
	out := []token311{{ServiceRequestID: id, Token: tok}}
	c.Header("Cache-Control", "no-store")
	render311(c, http.StatusOK, out, tokens311{Requests: out})
}
