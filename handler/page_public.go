package handler

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

type reportView struct {
	base
	In       workflow.ReportInput
	Errors   map[string]string
	Regions  []model.Region
	Receipt  *workflow.ReportReceipt
	Lat, Lng string               // the coordinates as typed, shown again on a refusal
	Nearby   *workflow.NearbyHint // how many similar issues nearby, shown again on a refusal
	Types    []workflow.DisasterTypeInfo
}

func (u *ui) reportPage(c *gin.Context) {
	rs, _, err := u.s.directory.CountiesAndAbove(c.Request.Context())
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "report", reportView{base: u.base(c, "举报隐患", ""), Regions: rs, Types: workflow.DisasterTypes()})
}

// submitReport takes a public report from the form; the tracking code is shown on
// the answer page, once.
func (u *ui) submitReport(c *gin.Context) {
	v := reportView{base: u.base(c, "举报隐患", ""), Types: workflow.DisasterTypes()}
	var err error
	if v.Regions, _, err = u.s.directory.CountiesAndAbove(c.Request.Context()); err != nil {
		u.fail(c, err)
		return
	}
	// The limit is checked first, but the form is read even when it refuses, so
	// the reporter finds what they typed again beside the time to come back.
	limit := u.s.reports.IntakeAllowed(c.Request.Context(), c.ClientIP())
	if limit == nil {
		// Only accepted reports count toward the limit: any refusal below gives its slot back.
		defer func() {
			if v.Receipt == nil {
				u.s.reports.IntakeRefund(context.WithoutCancel(c.Request.Context()), c.ClientIP())
			}
		}()
	}
	f, files, err := u.form(c, workflow.MaxReportPhotos)
	if errors.Is(err, errCSRF) || err != nil && f == nil {
		u.fail(c, err)
		return
	}
	upload := err
	in, inErr := reportFromForm(f)
	if strings.TrimSpace(in.Category) != string(model.CategoryDisaster) {
		// The form always carries the kind of danger (说不清 by default);
		// it is the reporter's answer only when they chose a natural
		// disaster.
		in.DisasterType = ""
	}
	v.In, v.Lat, v.Lng = in, f["latitude"], f["longitude"]
	switch {
	case limit != nil:
		err = limit
	case upload != nil:
	case inErr != nil:
		err = inErr
	default:
		for _, p := range files {
			if len(p.data) > 0 {
				v.In.Photos = append(v.In.Photos, workflow.EvidenceInput{Filename: p.filename, Data: p.data})
			}
		}
		var rc workflow.ReportReceipt
		if rc, err = u.s.reports.Submit(c.Request.Context(), v.In); err == nil {
			v.Receipt = &rc
			v.In = workflow.ReportInput{}
			u.render(c, http.StatusCreated, "report", v)
			return
		}
	}
	p := u.refusal(c, err)
	v.Error, v.Errors = p.Message, p.Fields
	if len(files) > 0 || upload != nil {
		v.Error += "（已填写的内容已保留，照片需重新选择）"
	}
	if v.In.Latitude != nil && limit == nil {
		if h, err := u.s.reports.Nearby(c.Request.Context(), c.ClientIP(), workflow.Probe{Title: v.In.Title, Description: v.In.Description,
			RegionCode: v.In.RegionCode, Latitude: v.In.Latitude, Longitude: v.In.Longitude}); err == nil {
			v.Nearby = &h
		}
	}
	u.render(c, p.Status, "report", v)
}

type trackView struct {
	base
	Code   string
	Status *workflow.PublicReportStatus
}

// trackPage answers a reporter who types the tracking code.
func (u *ui) trackPage(c *gin.Context) {
	v := trackView{base: u.base(c, "举报查询", ""), Code: strings.TrimSpace(c.Query("code"))}
	if v.Code == "" {
		u.render(c, http.StatusOK, "track", v)
		return
	}
	st, err := u.s.reports.Status(c.Request.Context(), v.Code)
	if err != nil {
		p := u.refusal(c, err)
		v.Error = p.Message
		u.render(c, p.Status, "track", v)
		return
	}
	v.Status = &st
	u.render(c, http.StatusOK, "track", v)
}

// nearbyHint is the public report form's hint as it is typed: how many
// similar issues nearby are being handled (Reports.Nearby), the part of the
// page that shows it (part_duplicates.html), empty when none or refused.
func (u *ui) nearbyHint(c *gin.Context) {
	v := reportView{}
	if p, err := probeFromQuery(c.Query); err == nil {
		if h, err := u.s.reports.Nearby(c.Request.Context(), c.ClientIP(), p); err == nil {
			v.Nearby = &h
		}
	}
	u.hint(c, "report", "nearby-list", v)
}

// hint answers a form's hint, a part of page name, marked for app.js.
func (u *ui) hint(c *gin.Context, page, part string, data any) {
	c.Header("X-Hint", "duplicates")
	err := writeHTML(c, http.StatusOK, pageCSP, func(w io.Writer) error { return u.sets[page].ExecuteTemplate(w, part, data) })
	if err != nil {
		u.s.log.Error("render hint", "request_id", c.GetString(requestIDKey), "part", part, "err", err)
		c.Status(http.StatusInternalServerError)
	}
}
