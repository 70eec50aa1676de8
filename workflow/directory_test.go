package workflow

import (
	"errors"
	"strings"
	"testing"
)

// TestPasswordRuleInCharacters: a password is 8 to 72 characters, a Chinese
// character counting as one; one of 72 Chinese characters (216 bytes, past
// bcrypt's 72) signs in, and so does it only whole — a password sharing its
// first 24 characters does not.
func TestPasswordRuleInCharacters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		long := strings.Repeat("安全生产人人有责", 9) // 72 characters
		for i, c := range []struct {
			pw string
			ok bool
		}{
			{"安全第一预防为主", true}, // 8 characters, 24 bytes
			{"安全第一预防为", false},
			{long, true},
			{long + "啊", false},
		} {
			_, err := f.engine.Directory.CreateUser(f.ctx, f.actors["admin"], UserInput{Username: "pw" + string(rune('a'+i)),
				Password: c.pw, Role: "officer", RegionCode: "360102"})
			if c.ok {
				noErr(t, err)
				continue
			}
			var we *Error
			if !asError(err, &we) || we.Fields["password"] != "密码长度应为8到72个字符（汉字、字母、数字、符号各算一个）" {
				t.Errorf("%d characters: %v", len([]rune(c.pw)), err)
			}
		}
		u, err := f.engine.Directory.CreateUser(f.ctx, f.actors["admin"], UserInput{Username: "longpw", Password: long, Role: "officer", RegionCode: "360102"})
		noErr(t, err)
		if _, who, res, err := f.engine.Directory.Login(f.ctx, "longpw", long, "192.0.2.1"); err != nil || res.Outcome != SignInOK || who.ID != u.ID {
			t.Fatalf("sign in with 72 characters: %v %v", res.Outcome, err)
		}
		near := []rune(long)
		near[71] = '啊'
		if _, _, res, _ := f.engine.Directory.Login(f.ctx, "longpw", string(near), "192.0.2.1"); res.Outcome == SignInOK {
			t.Error("a password differing in its last character signs in")
		}
	})
}

// TestRoleMustBeChosen: an account is not made without a role.
func TestRoleMustBeChosen(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, err := f.engine.Directory.CreateUser(f.ctx, f.actors["admin"], UserInput{Username: "norole", Password: "password-x"})
		var we *Error
		if !asError(err, &we) || we.Fields["role"] != "请选择账号的角色" {
			t.Errorf("no role: %v", err)
		}
		us, err := f.engine.Directory.Users(f.ctx, f.actors["admin"])
		noErr(t, err)
		for _, u := range us {
			if u.Username == "norole" {
				t.Errorf("an account without a role was made, as %s", u.Role)
			}
		}
	})
}

func asError(err error, we **Error) bool { return errors.As(err, we) }
