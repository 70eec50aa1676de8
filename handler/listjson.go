package handler

import (
	"strconv"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// appendPage writes a page of the hazard list as encoding/json would (the same
// bytes: TestPageJSONMatchesEncodingJSON holds it to that), without reflection.
// The list is the most requested document of the service and encoding/json spent
// a sixth of its time there.
func appendPage(b []byte, p workflow.Page) []byte {
	b = append(b, `{"items":`...)
	if p.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendItem(b, &p.Items[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = model.AppendJSONString(b, p.NextCursor)
	return append(b, '}')
}

func appendItem(b []byte, h *workflow.HazardItem) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, h.ID, 10)
	b = append(b, `,"code":`...)
	b = model.AppendJSONString(b, h.Code)
	b = append(b, `,"title":`...)
	b = model.AppendJSONString(b, h.Title)
	b = append(b, `,"source":`...)
	b = model.AppendJSONString(b, string(h.Source))
	b = append(b, `,"level":`...)
	b = model.AppendJSONString(b, string(h.Level))
	b = append(b, `,"industry":`...)
	b = model.AppendJSONString(b, h.Industry)
	b = append(b, `,"department":`...)
	b = model.AppendJSONString(b, string(h.Department))
	b = append(b, `,"region_code":`...)
	b = model.AppendJSONString(b, h.RegionCode)
	b = append(b, `,"enterprise_id":`...)
	b = appendIntPtr(b, h.EnterpriseID)
	b = append(b, `,"location":`...)
	b = model.AppendJSONString(b, h.Location)
	b = append(b, `,"responsible_party_type":`...)
	b = model.AppendJSONString(b, string(h.ResponsiblePartyType))
	b = append(b, `,"category":`...)
	b = model.AppendJSONString(b, string(h.Category))
	b = append(b, `,"disaster_type":`...)
	b = model.AppendJSONString(b, string(h.DisasterType))
	b = append(b, `,"discovered_at":`...)
	b = appendTime(b, h.DiscoveredAt)
	b = append(b, `,"state":`...)
	b = model.AppendJSONString(b, string(h.State))
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(h.Version), 10)
	b = append(b, `,"escalation_level":`...)
	b = strconv.AppendInt(b, int64(h.EscalationLevel), 10)
	b = append(b, `,"listed_supervision":`...)
	b = strconv.AppendBool(b, h.ListedSupervision)
	b = append(b, `,"listed_level":`...)
	b = model.AppendJSONString(b, string(h.ListedLevel))
	b = append(b, `,"production_suspended":`...)
	b = strconv.AppendBool(b, h.ProductionSuspended)
	b = append(b, `,"deadline":`...)
	b = appendDate(b, h.Deadline)
	b = append(b, `,"due_on":`...)
	b = appendDate(b, h.DueOn)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, h.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, h.UpdatedAt)
	b = append(b, `,"overdue":`...)
	b = strconv.AppendBool(b, h.Overdue)
	b = append(b, `,"read_only":`...)
	b = strconv.AppendBool(b, h.ReadOnly)
	b = append(b, `,"allowed_events":`...)
	if h.AllowedEvents == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, ev := range h.AllowedEvents {
			if i > 0 {
				b = append(b, ',')
			}
			b = model.AppendJSONString(b, string(ev))
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendIntPtr(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

func appendDate(b []byte, d *model.Date) []byte {
	if d == nil {
		return append(b, "null"...)
	}
	return model.AppendJSONString(b, d.String())
}

// appendTime is time.Time's MarshalJSON: RFC 3339 with nanoseconds.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
