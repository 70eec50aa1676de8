package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// listRegions: every region without a query (as before the pickers), else
// the children of ?parent= or the matches of ?q= (see findRegions).
func (s *Server) listRegions(c *gin.Context) {
	if _, p := c.GetQuery("parent"); !p {
		if _, q := c.GetQuery("q"); !q {
			rs, err := s.directory.Regions(c.Request.Context(), actor(c))
			respond(s, c, http.StatusOK, gin.H{"items": rs}, err)
			return
		}
	}
	s.findRegions(c)
}

// findRegions answers the region pickers, also on the public report page:
// ?parent=CODE (children, in code order) or ?q=TEXT (by name or code prefix,
// with the names above each), &limit= bounded by the workflow.
func (s *Server) findRegions(c *gin.Context) {
	limit, _ := strconv.Atoi(c.Query("limit"))
	items, err := s.directory.FindRegions(c.Request.Context(), workflow.RegionQuery{Parent: c.Query("parent"), Q: c.Query("q"), Limit: limit})
	if err == nil {
		c.Header("Cache-Control", "public, max-age=300")
	}
	respond(s, c, http.StatusOK, gin.H{"items": items}, err)
}

func (s *Server) createRegion(c *gin.Context) {
	var in workflow.RegionInput
	if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.directory.CreateRegion(c.Request.Context(), actor(c), in)
	respond(s, c, http.StatusCreated, r, err)
}

// listDepartments is the directory of competent departments.
func (s *Server) listDepartments(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": workflow.Departments()})
}

// listDisasterTypes is the disaster types with their Chinese names, their
// subtypes and the department each falls to by default.
func (s *Server) listDisasterTypes(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": workflow.DisasterTypes()})
}

func (s *Server) listEnterprises(c *gin.Context) {
	es, err := s.directory.Enterprises(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"items": es}, err)
}

func (s *Server) createEnterprise(c *gin.Context) {
	var in workflow.EnterpriseInput
	if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.directory.CreateEnterprise(c.Request.Context(), actor(c), in)
	respond(s, c, http.StatusCreated, e, err)
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.directory.Users(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"items": us}, err)
}

func (s *Server) createUser(c *gin.Context) {
	var in workflow.UserInput
	if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.directory.CreateUser(c.Request.Context(), actor(c), in)
	respond(s, c, http.StatusCreated, u, err)
}

func (s *Server) updateUser(c *gin.Context) {
	var in workflow.UserUpdate
	id, ok := s.idAndJSON(c, &in)
	if !ok {
		return
	}
	u, err := s.directory.UpdateUser(c.Request.Context(), actor(c), id, in)
	respond(s, c, http.StatusOK, u, err)
}

// respond writes v with status, or the error.
func respond(s *Server, c *gin.Context, status int, v any, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, v)
}

// listAudit is the audit log, for admins: ?kind= ?actor= (a user id)
// ?entity= ?from= ?to= (dates, Asia/Shanghai) ?cursor= ?limit=, newest first.
func (s *Server) listAudit(c *gin.Context) {
	p, err := s.directory.Audit(c.Request.Context(), actor(c), auditQuery(c))
	respond(s, c, http.StatusOK, p, err)
}

func auditQuery(c *gin.Context) workflow.AuditQuery {
	return workflow.AuditQuery{Kind: c.Query("kind"), Actor: c.Query("actor"), Entity: c.Query("entity"),
		From: c.Query("from"), To: c.Query("to"), Cursor: c.Query("cursor"), Limit: c.Query("limit")}
}
