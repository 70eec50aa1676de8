package handler

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

type adminView struct {
	base
	Regions     []model.Region // down to counties; below them the pickers
	RegionCount int64
	Enterprises []model.Enterprise
	Users       []model.User
	Locked      map[int64]bool // accounts locked from signing in
	Ladder      workflow.LadderPolicy
	Roles       []option
	Departments []option
	RegionNames map[string]string // the names of the regions of the accounts and enterprises listed
	EntNames    map[int64]string  // the enterprises by id
	Form        string            // the form that came back with problems
	Values      map[string]string
	Errors      map[string]string
}

// RegionName is the name of the region an account belongs to, with its
// code (东湖区（360102）); "—" for none.
func (v adminView) RegionName(code *string) string {
	if code == nil {
		return "—"
	}
	return v.Region(*code)
}

// Region is region code's name with its code, the code alone when unknown.
func (v adminView) Region(code string) string {
	switch {
	case code == "":
		return "—"
	case v.RegionNames[code] != "":
		return v.RegionNames[code] + "（" + code + "）"
	}
	return code
}

// EnterpriseName is the name of enterprise id, "—" for none.
func (v adminView) EnterpriseName(id *int64) string {
	if id == nil {
		return "—"
	}
	if n := v.EntNames[*id]; n != "" {
		return n
	}
	return "编号 " + strconv.FormatInt(*id, 10)
}

// V is a value typed into the form that came back.
func (v adminView) V(name string) string { return v.Values[name] }

// E is the problem with an input of the form that came back.
func (v adminView) E(name string) string { return v.Errors[name] }

func (u *ui) adminData(c *gin.Context) (adminView, error) {
	v := adminView{base: u.base(c, "系统管理", "/admin"), Ladder: u.s.supervision.Ladder(), Values: map[string]string{}}
	for _, r := range model.Roles {
		v.Roles = append(v.Roles, option{string(r), r.Label()})
	}
	v.Departments = departmentOptions()
	a := actor(c)
	var err error
	if v.Users, err = u.s.directory.Users(c.Request.Context(), a); err != nil {
		return v, err
	}
	if v.Locked, err = u.s.directory.LockedAccounts(c.Request.Context(), a, v.Users); err != nil {
		return v, err
	}
	if v.Regions, v.RegionCount, err = u.s.directory.CountiesAndAbove(c.Request.Context()); err != nil {
		return v, err
	}
	if v.Enterprises, err = u.s.directory.Enterprises(c.Request.Context(), a); err != nil {
		return v, err
	}
	v.EntNames = make(map[int64]string, len(v.Enterprises))
	var codes []string
	for _, e := range v.Enterprises {
		v.EntNames[e.ID] = e.Name
		codes = append(codes, e.RegionCode)
	}
	for _, u := range v.Users {
		if u.RegionCode != nil {
			codes = append(codes, *u.RegionCode)
		}
	}
	slices.Sort(codes)
	if v.RegionNames, err = u.s.directory.RegionNames(c.Request.Context(), slices.Compact(codes)); err != nil {
		return v, err
	}
	for _, r := range v.Regions {
		v.RegionNames[r.Code] = r.Name
	}
	return v, nil
}

// adminPage lists regions, enterprises and accounts with a form for each, and the
// ladder settings (read-only: they are configuration).
func (u *ui) adminPage(c *gin.Context) {
	v, err := u.adminData(c)
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "admin", v)
}

// adminPost runs one admin form: create, then back to the page, or the page with
// the form as typed and its problems.
func (u *ui) adminPost(c *gin.Context, form, ok string, create func(f map[string]string) error) {
	f, _, err := u.form(c, 0)
	if err != nil {
		u.fail(c, err)
		return
	}
	if err = create(f); err == nil {
		c.Redirect(http.StatusSeeOther, "/admin?ok="+ok+"#"+form)
		return
	}
	p := u.refusal(c, err)
	v, derr := u.adminData(c)
	if derr != nil {
		u.fail(c, derr)
		return
	}
	delete(f, "password")
	v.Form, v.Values, v.Errors, v.Error = form, f, p.Fields, p.Message
	u.render(c, p.Status, "admin", v)
}

// updateUser deactivates, activates or renames an account, sets its password
// or a supervisor's department, from the admin page's row of that account.
func (u *ui) updateUser(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		u.fail(c, err)
		return
	}
	u.adminPost(c, "userEdit", "userUpdated", func(f map[string]string) error {
		var in workflow.UserUpdate
		switch f["action"] {
		case "activate", "deactivate":
			active := f["action"] == "activate"
			in.Active = &active
		case "rename":
			name := f["display_name"]
			in.DisplayName = &name
		case "password":
			pw := f["password"]
			in.Password = &pw
		case "department":
			d := f["department"]
			in.Department = &d
		case "unlock":
			user, was, err := u.s.directory.Unlock(c.Request.Context(), actor(c), id)
			if err == nil {
				u.s.loggedUnlock(c, user, was)
			}
			return err
		default:
			return &httpError{http.StatusBadRequest, "invalid_fields", "未知的操作", map[string]string{"action": "未知的操作"}}
		}
		_, err := u.s.directory.UpdateUser(c.Request.Context(), actor(c), id, in)
		return err
	})
}

func (u *ui) createRegion(c *gin.Context) {
	u.adminPost(c, "regions", "region", func(f map[string]string) error {
		_, err := u.s.directory.CreateRegion(c.Request.Context(), actor(c), workflow.RegionInput{Code: f["code"], Name: f["name"], ParentCode: f["parent_code"]})
		return err
	})
}

func (u *ui) createEnterprise(c *gin.Context) {
	u.adminPost(c, "enterprises", "ent", func(f map[string]string) error {
		_, err := u.s.directory.CreateEnterprise(c.Request.Context(), actor(c), workflow.EnterpriseInput{
			Name: f["name"], CreditCode: f["credit_code"], RegionCode: f["region_code"], Industry: f["industry"]})
		return err
	})
}

func (u *ui) createUser(c *gin.Context) {
	u.adminPost(c, "users", "user", func(f map[string]string) error {
		in := workflow.UserInput{Username: f["username"], Password: f["password"], DisplayName: f["display_name"],
			Role: f["role"], RegionCode: f["region_code"], Department: f["department"]}
		if s := strings.TrimSpace(f["enterprise_id"]); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return &httpError{http.StatusBadRequest, "invalid_fields", "请选择所属企业", map[string]string{"enterprise_id": "请选择所属企业"}}
			}
			in.EnterpriseID = &id
		}
		_, err := u.s.directory.CreateUser(c.Request.Context(), actor(c), in)
		return err
	})
}
