package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

func (s *Server) listRegions(c *gin.Context) {
	rs, err := s.directory.Regions(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"items": rs}, err)
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
