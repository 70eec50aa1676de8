package model_test

import (
	"slices"
	"testing"
	"time"

	"hazardloop/model"
)

// TestRegions: a region's territory is itself and the regions below it; a code is
// taken once; a missing one is ErrNotFound.
func TestRegions(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, c := range []struct {
			under string
			want  []string
		}{
			{"", []string{"360000", "360100", "360102", "360103", "360400", "360402", "370000", "370100", "370102"}},
			{"360000", []string{"360000", "360100", "360102", "360103", "360400", "360402"}},
			{"360100", []string{"360100", "360102", "360103"}},
			{"360103", []string{"360103"}},
			{"370100", []string{"370100", "370102"}},
		} {
			rs, err := w.s.ListRegions(w.ctx, c.under)
			noErr(t, err)
			// Ordered by code, not merely the same set.
			if got := codes(rs); !slices.Equal(got, c.want) {
				t.Errorf("ListRegions(%q) = %v, want %v", c.under, got, c.want)
			}
		}
		r, err := w.s.GetRegion(w.ctx, "360102")
		noErr(t, err)
		if r.Name != "东湖区" || r.ParentCode == nil || *r.ParentCode != "360100" || r.Level != model.RegionCounty {
			t.Errorf("GetRegion(360102) = %+v", r)
		}
		r, err = w.s.GetRegion(w.ctx, "360199")
		if r != nil {
			t.Errorf("a missing region came back as %+v", r)
		}
		wantErr(t, err, model.ErrNotFound)
		wantErr(t, w.s.CreateRegion(w.ctx, &model.Region{Code: "360102", Name: "again", Level: 3, CreatedAt: w.now}), model.ErrDuplicate)

		// FindRegions: the exact name, within under.
		noErr(t, w.s.CreateRegion(w.ctx, &model.Region{Code: "370103", Name: "东湖区", Level: 3, CreatedAt: w.now}))
		for _, c := range []struct {
			under string
			want  []string
		}{{"", []string{"360102", "370103"}}, {"360000", []string{"360102"}}, {"360103", nil}} {
			rs, err := w.s.FindRegions(w.ctx, c.under, "东湖区")
			noErr(t, err)
			if got := codes(rs); !slices.Equal(got, c.want) {
				t.Errorf("FindRegions(%q, 东湖区) = %v, want %v", c.under, got, c.want)
			}
		}
		if rs, err := w.s.FindRegions(w.ctx, "", "东湖"); err != nil || len(rs) != 0 {
			t.Errorf("a prefix of a name found %v, %v", rs, err)
		}
	})
}

func codes(rs []model.Region) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// TestEnterprises: listing is scoped to the territory; credit codes are unique;
// lookups of what is not there are ErrNotFound.
func TestEnterprises(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				es, err := w.s.ListEnterprises(w.ctx, c.scope)
				noErr(t, err)
				got := sorted(es, func(e model.Enterprise) string { return e.RegionCode })
				if want := only(c.sees, counties); !slices.Equal(got, want) {
					t.Errorf("sees %v, want %v", got, want)
				}
				if !slices.IsSortedFunc(es, func(a, b model.Enterprise) int { return int(a.ID - b.ID) }) {
					t.Error("not ordered by id")
				}
			})
		}
		dup := model.Enterprise{Name: "另一家", CreditCode: "CC360102", RegionCode: "360103", CreatedAt: w.now}
		wantErr(t, w.s.CreateEnterprise(w.ctx, &dup), model.ErrDuplicate)
		e, err := w.s.GetEnterprise(w.ctx, w.ent["360402"])
		noErr(t, err)
		if e.CreditCode != "CC360402" || e.RegionCode != "360402" {
			t.Errorf("GetEnterprise = %+v", e)
		}
		e, err = w.s.GetEnterprise(w.ctx, 999_999)
		if e != nil {
			t.Errorf("missing enterprise came back as %+v", e)
		}
		wantErr(t, err, model.ErrNotFound)
		// An enterprise in a region that does not exist is refused, and not as a duplicate.
		err = w.s.CreateEnterprise(w.ctx, &model.Enterprise{Name: "x", CreditCode: "NEW", RegionCode: "999999", CreatedAt: w.now})
		if err == nil || errorsIsAny(err, model.ErrDuplicate, model.ErrNotFound) {
			t.Errorf("enterprise in a missing region: %v", err)
		}
	})
}

// TestUsers: usernames are unique; users are listed by territory or
// enterprise; an update of a missing user is ErrNotFound.
func TestUsers(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		region := func(u model.User) string { return u.Region() }
		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				us, err := w.s.ListUsers(w.ctx, c.scope)
				noErr(t, err)
				// An enterprise user in each county and a supervisor of 南昌市; the
				// admin has no region, and only the all-seeing scope lists it.
				want := only(c.sees, append([]string{"360100"}, counties...))
				if c.scope.All {
					want = append([]string{""}, want...)
				}
				if c.scope.EnterpriseID != 0 {
					want = []string{"360103"} // the enterprise's own user, not 南昌's supervisor
				}
				if got := sorted(us, region); !slices.Equal(got, want) {
					t.Errorf("sees %v, want %v", got, want)
				}
			})
		}
		n, err := w.s.CountUsers(w.ctx)
		if err != nil || n != int64(2+len(counties)) {
			t.Errorf("CountUsers = %d, %v", n, err)
		}
		wantErr(t, w.s.CreateUser(w.ctx, &model.User{Username: "admin", PasswordHash: "y", Role: model.RoleAdmin, CreatedAt: w.now}),
			model.ErrDuplicate)
		// An enterprise user without an enterprise breaks a CHECK, not a unique key.
		r := "360102"
		err = w.s.CreateUser(w.ctx, &model.User{Username: "bad", PasswordHash: "y", Role: model.RoleEnterprise, RegionCode: &r, CreatedAt: w.now})
		if err == nil || errorsIsAny(err, model.ErrDuplicate) {
			t.Errorf("enterprise user without an enterprise: %v", err)
		}

		u, err := w.s.GetUserByUsername(w.ctx, "sup-360100")
		noErr(t, err)
		noErr(t, w.s.UpdateUser(w.ctx, u.ID, map[string]any{"display_name": "张三", "active": false}))
		got, err := w.s.GetUser(w.ctx, u.ID)
		noErr(t, err)
		if got.DisplayName != "张三" || got.Active || got.Name() != "张三" {
			t.Errorf("after update: %+v", got)
		}
		wantErr(t, w.s.UpdateUser(w.ctx, 999_999, map[string]any{"active": true}), model.ErrNotFound)
		for _, get := range []func() (*model.User, error){
			func() (*model.User, error) { return w.s.GetUser(w.ctx, 999_999) },
			func() (*model.User, error) { return w.s.GetUserByUsername(w.ctx, "nobody") },
		} {
			u, err := get()
			if u != nil || !errorsIsAny(err, model.ErrNotFound) {
				t.Errorf("missing user: %+v, %v", u, err)
			}
		}
		us, err := w.s.UsersByID(w.ctx, []int64{w.admin, u.ID, 999_999})
		noErr(t, err)
		if len(us) != 2 {
			t.Errorf("UsersByID found %d users, want 2", len(us))
		}
		if us, err := w.s.UsersByID(w.ctx, nil); err != nil || us != nil {
			t.Errorf("UsersByID(nil) = %v, %v", us, err)
		}
	})
}

// TestSessions: a session names its user while unexpired and while the user is
// active; logging out ends it (and sweeps expired ones) but no other.
func TestSessions(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ent, err := w.s.GetUserByUsername(w.ctx, "ent-360102")
		noErr(t, err)
		sup, err := w.s.GetUserByUsername(w.ctx, "sup-360100")
		noErr(t, err)
		hour := time.Hour
		for _, s := range []model.Session{
			{TokenHash: "live", UserID: w.admin, CreatedAt: w.now, ExpiresAt: w.now.Add(hour)},
			{TokenHash: "other", UserID: w.admin, CreatedAt: w.now, ExpiresAt: w.now.Add(2 * hour)},
			{TokenHash: "expired", UserID: ent.ID, CreatedAt: w.now.Add(-2 * hour), ExpiresAt: w.now.Add(-hour)},
			{TokenHash: "ent", UserID: ent.ID, CreatedAt: w.now, ExpiresAt: w.now.Add(hour)},
			{TokenHash: "sup", UserID: sup.ID, CreatedAt: w.now, ExpiresAt: w.now.Add(hour)},
		} {
			noErr(t, w.s.CreateSession(w.ctx, &s))
		}
		wantErr(t, w.s.CreateSession(w.ctx, &model.Session{TokenHash: "live", UserID: ent.ID, CreatedAt: w.now, ExpiresAt: w.now}),
			model.ErrDuplicate)
		noErr(t, w.s.UpdateUser(w.ctx, sup.ID, map[string]any{"active": false}))

		for _, c := range []struct {
			token string
			at    time.Time
			user  int64 // 0: none
		}{
			{"live", w.now, w.admin},
			{"live", w.now.Add(hour), 0}, // expires_at is not after now
			{"expired", w.now, 0},
			{"ent", w.now, ent.ID},
			{"sup", w.now, 0}, // inactive user
			{"nope", w.now, 0},
		} {
			u, exp, err := w.s.SessionUser(w.ctx, c.token, c.at)
			switch {
			case c.user == 0 && (u != nil || !errorsIsAny(err, model.ErrNotFound)):
				t.Errorf("SessionUser(%s, %v) = %+v, %v; want ErrNotFound", c.token, c.at, u, err)
			case c.user != 0 && (err != nil || u.ID != c.user || !exp.Equal(w.now.Add(hour))):
				t.Errorf("SessionUser(%s) = %+v, %v, %v; want user %d until %v", c.token, u, exp, err, c.user, w.now.Add(hour))
			}
		}

		noErr(t, w.s.DeleteSession(w.ctx, "live", w.now))
		var left []string
		noErr(t, w.s.Raw(w.ctx, &left, "SELECT token_hash FROM sessions ORDER BY token_hash"))
		if want := []string{"ent", "other", "sup"}; !slices.Equal(left, want) {
			t.Errorf("after logging out: %v, want %v", left, want)
		}
		noErr(t, w.s.DeleteUserSessions(w.ctx, w.admin))
		left = nil
		noErr(t, w.s.Raw(w.ctx, &left, "SELECT token_hash FROM sessions ORDER BY token_hash"))
		if want := []string{"ent", "sup"}; !slices.Equal(left, want) {
			t.Errorf("after ending the admin's sessions: %v, want %v", left, want)
		}
	})
}
