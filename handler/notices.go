package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

// The notices inbox (叫应): API and page over workflow Notifications.Inbox.

// noticeItem is a notice as answered: with what it asks, in Chinese, and
// the page it leads to.
type noticeItem struct {
	model.Notice
	Label string `json:"label"`
	Link  string `json:"link"`
}

// noticeLink is the page a notice leads to: its hazard, the region
// documents, the periodic reports; the inbox itself for a kind of neither.
func noticeLink(n *model.Notice) string {
	switch {
	case n.HazardID != nil:
		return "/hazards/" + strconv.FormatInt(*n.HazardID, 10)
	case n.RegionSupervisionID != nil:
		return "/region-supervisions"
	case n.Kind == "periodic_late":
		return "/periodic"
	}
	return "/notices"
}

func noticeItems(ns []model.Notice) []noticeItem {
	out := make([]noticeItem, len(ns))
	for i := range ns {
		out[i] = noticeItem{Notice: ns[i], Label: workflow.NoticeLabel(ns[i].Kind), Link: noticeLink(&ns[i])}
	}
	return out
}

// noticesQuery reads ?unread=true&cursor=&limit=; a cursor or limit that is
// not a number is refused with the field named.
func noticesQuery(c *gin.Context) (unread bool, cursor int64, limit int, err error) {
	unread = c.Query("unread") == "true"
	if q := c.Query("cursor"); q != "" {
		if cursor, err = strconv.ParseInt(q, 10, 64); err != nil || cursor < 0 {
			return false, 0, 0, &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容：翻页位置无效",
				map[string]string{"cursor": "翻页位置无效"}}
		}
	}
	if q := c.Query("limit"); q != "" {
		if limit, err = strconv.Atoi(q); err != nil || limit < 1 || limit > 100 {
			return false, 0, 0, &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容：每页条数应为1到100",
				map[string]string{"limit": "每页条数应为1到100"}}
		}
	}
	return unread, cursor, limit, nil
}

// noticesAPI is the answer of GET /notices.
type noticesAPI struct {
	Items  []noticeItem `json:"items"`
	Next   int64        `json:"next_cursor,omitempty"`
	Unread int64        `json:"unread"`
}

// listNotices answers GET /notices: the caller's notices, newest first.
func (s *Server) listNotices(c *gin.Context) {
	unread, cursor, limit, err := noticesQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.notifications.Inbox(c.Request.Context(), actor(c), unread, cursor, limit)
	respond(s, c, http.StatusOK, noticesAPI{Items: noticeItems(p.Items), Next: p.Next, Unread: p.Unread}, err)
}

// readNotice answers POST /notices/{id}/read: the notice, read.
func (s *Server) readNotice(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.notifications.MarkRead(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, noticeItems([]model.Notice{*n})[0])
}

// readAllNotices answers POST /notices/read-all: how many it marked read.
func (s *Server) readAllNotices(c *gin.Context) {
	n, err := s.notifications.MarkAllRead(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"marked": n}, err)
}

// noticesView is the inbox page.
type noticesView struct {
	base
	Items      []noticeItem
	UnreadOnly bool
	Next       int64
}

// noticesPage shows the inbox: cards, newest first, a page at a time.
func (u *ui) noticesPage(c *gin.Context) {
	unread, cursor, _, err := noticesQuery(c)
	if err != nil {
		u.fail(c, err)
		return
	}
	p, err := u.s.notifications.Inbox(c.Request.Context(), actor(c), unread, cursor, 20)
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "notices", noticesView{base: u.base(c, "通知", "/notices"), Items: noticeItems(p.Items),
		UnreadOnly: unread, Next: p.Next})
}

// openNotice marks a notice read and goes to the page it leads to.
func (u *ui) openNotice(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		u.fail(c, err)
		return
	}
	n, err := u.s.notifications.MarkRead(c.Request.Context(), actor(c), id)
	if err != nil {
		u.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, noticeLink(n))
}

// readAllPage marks every notice read and shows the inbox again.
func (u *ui) readAllPage(c *gin.Context) {
	if _, err := u.s.notifications.MarkAllRead(c.Request.Context(), actor(c)); err != nil {
		u.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/notices?ok=read")
}
