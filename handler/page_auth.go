package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type loginView struct {
	base
	Username string
	Next     string
}

func (u *ui) loginPage(c *gin.Context) {
	u.render(c, http.StatusOK, "login", loginView{base: u.base(c, "登录", ""), Next: safeNext(c.Query("next"))})
}

// login opens a session and sets it as an HttpOnly cookie; a refusal re-renders the
// form with the username kept.
func (u *ui) login(c *gin.Context) {
	f, _, err := u.form(c, 0)
	if err != nil {
		u.fail(c, err)
		return
	}
	token, _, res, err := u.s.directory.Login(c.Request.Context(), f["username"], f["password"], c.ClientIP())
	u.s.signedIn(c, f["username"], res)
	if err != nil {
		p := u.refusal(c, err)
		v := loginView{base: u.base(c, "登录", ""), Username: f["username"], Next: safeNext(f["next"])}
		v.Error = p.Message
		u.render(c, p.Status, "login", v)
		return
	}
	u.setCookie(c, token, 0)
	next := safeNext(f["next"])
	if next == "" {
		next = "/"
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (u *ui) logout(c *gin.Context) {
	if _, _, err := u.form(c, 0); err != nil {
		u.fail(c, err)
		return
	}
	if err := u.s.directory.Logout(c.Request.Context(), c.GetString(tokenKey)); err != nil {
		u.fail(c, err)
		return
	}
	u.setCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/login?ok=logout")
}
