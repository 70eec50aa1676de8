package workflow

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"hazardloop/model"
)

func validRegionCode(code string) bool { return model.ValidRegionCode(code) }

// regionCodeMessage is what a malformed region code is told.
const regionCodeMessage = "区划代码应为6位（省、市、县，GB/T 2260）、9位（乡镇、街道）或12位（村、社区）数字"

func adminOnly(a Actor) error {
	if a.Role != model.RoleAdmin {
		return errForbidden("仅系统管理员可以执行此操作")
	}
	return nil
}

// RegionInput registers a region.
type RegionInput struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
}

// CreateRegion registers a region (admin only). A region lies inside its parent's
// code range (360102 under 360100 under 360000), so that territory is a range of
// codes; a township's parent is its county (the code's first six digits) and a
// village's its township (the first nine): any other parent is refused.
func (e *Directory) CreateRegion(ctx context.Context, a Actor, in RegionInput) (*model.Region, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	errs := fieldErrors{}
	code := strings.TrimSpace(in.Code)
	if !validRegionCode(code) {
		errs.add("code", regionCodeMessage)
	}
	r := &model.Region{Code: code, Name: text(errs, "name", &in.Name, 50), Level: model.RegionLevelOf(code), CreatedAt: e.Now()}
	if r.Name == "" {
		errs.add("name", required("name"))
	}
	var parent *model.Region
	if p := strings.TrimSpace(in.ParentCode); p != "" {
		var err error
		parent, err = e.store.GetRegion(ctx, p)
		switch {
		case errors.Is(err, model.ErrNotFound):
			errs.add("parent_code", "上级区划不存在")
		case err != nil:
			return nil, err
		case parent.Level >= r.Level || !model.Within(code, p):
			errs.add("parent_code", "区划代码不在上级区划的代码范围内")
		case r.Level >= model.RegionTownship && p != code[:len(code)-3]:
			errs.add("parent_code", "乡镇的上级区划应为其代码前6位的县级区划，村（社区）的上级应为其代码前9位的乡镇（街道）")
		default:
			r.ParentCode = &parent.Code
		}
	} else if r.Level != model.RegionProvince && validRegionCode(code) {
		errs.add("parent_code", "市、县、乡、村级区划须填写上级区划")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateRegion(ctx, r); err != nil {
			return conflictOr(err, "code", "区划代码已存在")
		}
		return e.audit(ctx, tx, a, auditChange{Kind: AuditRegionCreate, Entity: "region", ID: r.Code, Label: r.Name,
			After: map[string]any{"code": r.Code, "name": r.Name, "parent_code": r.ParentCode}})
	})
	if err != nil {
		return nil, err
	}
	e.forgetRegions()
	return r, nil
}

func conflictOr(err error, field, msg string) error {
	if errors.Is(err, model.ErrDuplicate) {
		return &Error{Kind: KindConflict, Code: "duplicate", Message: msg, Fields: map[string]string{field: msg}, cause: err}
	}
	return err
}

// Regions lists every region (the division codes are public).
func (e *Directory) Regions(ctx context.Context, _ Actor) ([]model.Region, error) {
	return e.store.ListRegions(ctx, "")
}

// CountiesAndAbove lists the provinces, cities and counties, by code, for the
// pages' selects (townships and villages are reached through FindRegions), and
// how many regions there are in all.
func (e *Directory) CountiesAndAbove(ctx context.Context) ([]model.Region, int64, error) {
	rs, err := e.store.ListRegionsUpTo(ctx, model.RegionCounty)
	if err != nil {
		return nil, 0, err
	}
	n, err := e.store.CountRegions(ctx)
	return rs, n, err
}

// EnterpriseInput registers an enterprise.
type EnterpriseInput struct {
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
	RegionCode string `json:"region_code"`
	Industry   string `json:"industry"`
}

// CreateEnterprise registers an enterprise (admin only) after checking its unified
// social credit code.
func (e *Directory) CreateEnterprise(ctx context.Context, a Actor, in EnterpriseInput) (*model.Enterprise, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	errs := fieldErrors{}
	ent := &model.Enterprise{
		Name:       text(errs, "name", &in.Name, 200),
		CreditCode: strings.ToUpper(strings.TrimSpace(in.CreditCode)),
		RegionCode: strings.TrimSpace(in.RegionCode),
		Industry:   text(errs, "industry", &in.Industry, 100),
		CreatedAt:  e.Now(),
	}
	if ent.Name == "" {
		errs.add("name", required("name"))
	}
	if !ValidCreditCode(ent.CreditCode) {
		errs.add("credit_code", "统一社会信用代码应为18位且校验位正确")
	}
	if err := e.regionExists(ctx, errs, "region_code", ent.RegionCode); err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateEnterprise(ctx, ent); err != nil {
			return conflictOr(err, "credit_code", "该统一社会信用代码已登记")
		}
		return e.audit(ctx, tx, a, auditChange{Kind: AuditEnterpriseCreate, Entity: "enterprise", ID: strconv.FormatInt(ent.ID, 10), Label: ent.Name,
			After: map[string]any{"name": ent.Name, "credit_code": ent.CreditCode, "region_code": ent.RegionCode, "industry": ent.Industry}})
	})
	if err != nil {
		return nil, err
	}
	return ent, nil
}

func (e *core) regionExists(ctx context.Context, errs fieldErrors, field, code string) error {
	if code == "" {
		errs.add(field, required(field))
		return nil
	}
	_, err := e.store.GetRegion(ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		errs.add(field, "区划代码不存在")
		return nil
	}
	return err
}

// Enterprises lists the enterprises a may see.
func (e *Directory) Enterprises(ctx context.Context, a Actor) ([]model.Enterprise, error) {
	return e.store.ListEnterprises(ctx, a.Scope())
}

// UserInput creates an account.
type UserInput struct {
	Username     string `json:"username"`
	Password     string `json:"password"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	RegionCode   string `json:"region_code"`
	EnterpriseID *int64 `json:"enterprise_id"`
	Department   string `json:"department"` // supervisors only; emergency when ""
}

// Passwords are of MinPasswordChars to MaxPasswordChars characters — a
// Chinese character counts as one, as an official counts them, not as the
// three bytes UTF-8 gives it.
const (
	MinPasswordChars = 8
	MaxPasswordChars = 72
)

func checkPasswordRule(errs fieldErrors, pw string) {
	if n := utf8.RuneCountInString(pw); n < MinPasswordChars || n > MaxPasswordChars {
		errs.add("password", fmt.Sprintf("密码长度应为%d到%d个字符（汉字、字母、数字、符号各算一个）", MinPasswordChars, MaxPasswordChars))
	}
}

// bcryptInput is what bcrypt hashes for a password. bcrypt reads 72 bytes
// and no more: 72 characters of Chinese are 216 bytes, of which it would
// weigh the first 24 characters only. A password within 72 bytes goes as it
// is; a longer one as its SHA-256, base64-encoded (44 bytes, no NUL, which
// bcrypt would also stop at), so that every character counts. Passwords over
// 72 bytes were refused before, so every stored hash still checks.
func bcryptInput(pw string) []byte {
	if len(pw) <= 72 {
		return []byte(pw)
	}
	sum := sha256.Sum256([]byte(pw))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

// CreateUser creates an account (admin only). Staff need a region; enterprise
// users an enterprise, whose region becomes theirs. Officers (信息员) may be of
// any level down to a village; supervisors down to a township (乡镇应急办、
// 安监站), never a village. A supervisor belongs to a department (emergency
// unless given); no other account has one.
func (e *Directory) CreateUser(ctx context.Context, a Actor, in UserInput) (*model.User, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	errs := fieldErrors{}
	u := &model.User{
		Username:    text(errs, "username", &in.Username, 50),
		DisplayName: text(errs, "display_name", &in.DisplayName, 50),
		Role:        model.Role(strings.TrimSpace(in.Role)),
		Active:      true,
		CreatedAt:   e.Now(),
	}
	if n := utf8.RuneCountInString(u.Username); errs["username"] == "" && (n < 2 || strings.IndexFunc(u.Username, unseen) >= 0) {
		errs.add("username", "用户名应为2到50个字符，不含空格或不可见字符")
	}
	checkPasswordRule(errs, in.Password)
	switch {
	case u.Role == "":
		// No role is taken for granted: an account made in haste must not
		// come out a system administrator.
		errs.add("role", "请选择账号的角色")
	case !u.Role.Valid():
		errs.add("role", "角色只能是 admin、supervisor、officer 或 enterprise")
	}
	region := strings.TrimSpace(in.RegionCode)
	switch {
	case u.Role == model.RoleEnterprise:
		if in.EnterpriseID == nil {
			errs.add("enterprise_id", "企业用户须指定所属企业")
			break
		}
		ent, err := e.store.GetEnterprise(ctx, *in.EnterpriseID)
		if errors.Is(err, model.ErrNotFound) {
			errs.add("enterprise_id", "所属企业不存在")
			break
		} else if err != nil {
			return nil, err
		}
		u.EnterpriseID, u.RegionCode = &ent.ID, &ent.RegionCode
	case in.EnterpriseID != nil:
		errs.add("enterprise_id", "只有企业用户可以指定所属企业")
	case u.Role == model.RoleAdmin && region == "":
	default:
		if err := e.regionExists(ctx, errs, "region_code", region); err != nil {
			return nil, err
		}
		if u.Role == model.RoleSupervisor && model.RegionLevelOf(region) == model.RegionVillage {
			errs.add("region_code", "监管员账号须设在乡镇（街道）及以上区划；村（社区）请设信息员账号")
		}
		u.RegionCode = &region
	}
	u.Department = userDepartment(errs, u.Role, strings.TrimSpace(in.Department))
	if err := errs.err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword(bcryptInput(in.Password), e.opts.BcryptCost)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = string(hash)
	err = e.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return conflictOr(err, "username", "用户名已被使用")
		}
		return e.audit(ctx, tx, a, userChange(AuditUserCreate, u, nil, recordUser(u)))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// userDepartment is the department of a new account of role: given, or
// emergency, for a supervisor; none for anyone else (giving one is an error).
func userDepartment(errs fieldErrors, role model.Role, given string) model.Department {
	if role != model.RoleSupervisor {
		if given != "" {
			errs.add("department", "只有监管人员账号属于主管部门")
		}
		return ""
	}
	if given == "" {
		return model.DeptEmergency
	}
	return parseDepartment(errs, "department", given)
}

// UserUpdate changes an account: each field given (non-nil) is set.
type UserUpdate struct {
	DisplayName *string `json:"display_name"`
	Active      *bool   `json:"active"`
	Password    *string `json:"password"`
	Department  *string `json:"department"` // a supervisor's only
}

// UpdateUser (KindInvalid when in changes nothing) renames, deactivates (or reactivates) an account, sets a new
// password for it or moves a supervisor to another department (admin only). Deactivating or a new password ends the
// account's sessions at once (on every replica within the few seconds a
// replica trusts a session it has checked). An admin cannot deactivate the
// account they are signed in with, so one active admin always remains.
func (e *Directory) UpdateUser(ctx context.Context, a Actor, id int64, in UserUpdate) (*model.User, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	if in == (UserUpdate{}) {
		// A body of null or {} changes nothing: a client that meant to change
		// something is told so rather than answered 200.
		return nil, &Error{Kind: KindInvalid, Code: "invalid_fields", Message: "请至少指定一项要修改的内容（display_name、active、password 或 department）"}
	}
	errs := fieldErrors{}
	cols := map[string]any{}
	if in.DisplayName != nil {
		cols["display_name"] = text(errs, "display_name", in.DisplayName, 50)
	}
	if in.Password != nil {
		checkPasswordRule(errs, *in.Password)
	}
	if in.Active != nil {
		cols["active"] = *in.Active
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if in.Password != nil {
		hash, err := bcrypt.GenerateFromPassword(bcryptInput(*in.Password), e.opts.BcryptCost)
		if err != nil {
			return nil, err
		}
		cols["password_hash"] = string(hash)
	}
	var u *model.User
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		cur, err := tx.GetUser(ctx, id)
		if err != nil {
			return notFoundOr("账号", err)
		}
		if in.Department != nil {
			if cur.Role != model.RoleSupervisor {
				return errInvalid(map[string]string{"department": "只有监管人员账号属于主管部门"})
			}
			derrs := fieldErrors{}
			if d := parseDepartment(derrs, "department", *in.Department); d != "" {
				cols["department"] = string(d)
			} else {
				return derrs.err()
			}
		}
		if in.Active != nil && !*in.Active && cur.Active {
			// The actor is an active admin: refusing their own account keeps at
			// least one.
			if cur.ID == a.ID {
				return errInvalid(map[string]string{"active": "不能停用您正在使用的账号"})
			}
		}
		if len(cols) > 0 {
			if err := tx.UpdateUser(ctx, id, cols); err != nil {
				return notFoundOr("账号", err)
			}
		}
		if (in.Active != nil && !*in.Active) || in.Password != nil {
			if err := tx.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		u, err = tx.GetUser(ctx, id)
		if err != nil {
			return err
		}
		return e.auditUserUpdate(ctx, tx, a, cur, u, in.Password != nil)
	})
	if err != nil {
		return nil, err
	}
	if (in.Active != nil && !*in.Active) || in.Password != nil || in.Department != nil {
		// A new department changes what the account sees: not a few seconds
		// later through the cache, at once.
		e.sessions.dropUser(id)
	}
	return u, nil
}

// auditUserUpdate records what UpdateUser changed of account cur (now u):
// an entry for each kind of change — deactivated or activated, a new
// password (recorded as set, never what it is), a new name or department.
// Fields given but unchanged are no change.
func (e *Directory) auditUserUpdate(ctx context.Context, tx *model.Store, a Actor, cur, u *model.User, password bool) error {
	var changes []auditChange
	if cur.Active != u.Active {
		kind := AuditUserDeactivate
		if u.Active {
			kind = AuditUserActivate
		}
		changes = append(changes, userChange(kind, u, map[string]any{"active": cur.Active}, map[string]any{"active": u.Active}))
	}
	if password {
		changes = append(changes, userChange(AuditUserPasswordReset, u, nil, map[string]any{"sessions_ended": true}))
	}
	before, after := map[string]any{}, map[string]any{}
	if cur.DisplayName != u.DisplayName {
		before["display_name"], after["display_name"] = cur.DisplayName, u.DisplayName
	}
	if cur.Department != u.Department {
		before["department"], after["department"] = cur.Department, u.Department
	}
	if len(after) > 0 {
		changes = append(changes, userChange(AuditUserUpdate, u, before, after))
	}
	for _, ch := range changes {
		if err := e.audit(ctx, tx, a, ch); err != nil {
			return err
		}
	}
	return nil
}

// RegionNames names the regions of codes that exist, by code: for pages
// that list accounts or enterprises to show 东湖区, not 360102.
func (e *Directory) RegionNames(ctx context.Context, codes []string) (map[string]string, error) {
	rs, err := e.store.RegionsByCode(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rs))
	for _, r := range rs {
		out[r.Code] = r.Name
	}
	return out, nil
}

// Users lists the accounts (admin only).
func (e *Directory) Users(ctx context.Context, a Actor) ([]model.User, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	return e.store.ListUsers(ctx, model.AllScope)
}

// EnsureAdmin creates the account admin on a database without accounts. With an
// empty password it makes a random one; created says whether it did anything.
func (e *Directory) EnsureAdmin(ctx context.Context, password string) (pw string, created bool, err error) {
	n, err := e.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	if password == "" {
		password = randomToken(12)
	}
	_, err = e.CreateUser(ctx, Actor{Name: SystemActor.Name, Role: model.RoleAdmin}, UserInput{Username: "admin", Password: password, DisplayName: "系统管理员", Role: string(model.RoleAdmin)})
	if err != nil {
		return "", false, err
	}
	return password, true, nil
}

// dummyHashes make a login for an unknown user cost as much as for a known
// one, so that timing does not tell which usernames exist: one hash per
// bcrypt cost, at the cost the service hashes passwords with.
var dummyHashes sync.Map // int → []byte

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("hazardloop-dummy-password"), cost)
	if err != nil {
		h, _ = bcrypt.GenerateFromPassword([]byte("hazardloop-dummy-password"), bcrypt.DefaultCost)
	}
	dummyHashes.Store(cost, h)
	return h
}

// SignInPolicy is when sign-in is refused for guessing: after AccountFailures
// failed tries for one account, or AddressFailures from one client address,
// within Window, that account or address is refused for LockFor.
type SignInPolicy struct {
	AccountFailures int
	AddressFailures int
	Window          time.Duration
	LockFor         time.Duration
}

// DefaultSignIn: 5 failures of an account or 20 of an address in 15 minutes
// lock it for 15 minutes (issue 19).
var DefaultSignIn = SignInPolicy{AccountFailures: 5, AddressFailures: 20, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

// SignInOutcome says how a sign-in ended, for the log and the metrics.
type SignInOutcome string

// The outcomes of a sign-in.
const (
	SignInOK     SignInOutcome = "ok"
	SignInFailed SignInOutcome = "failed"
	SignInLocked SignInOutcome = "locked" // refused without checking: the account or address is locked
)

// SignInResult is what a sign-in did: its outcome, and the locks its failure
// set ("account", "address").
type SignInResult struct {
	Outcome SignInOutcome
	Locked  []string
}

// signInKey is the key of an account name or a client address in the
// sign-in counters: an HMAC with the service's key, so that the table keeps
// neither the names typed (a password typed as a name) nor addresses.
func (e *Directory) signInKey(kind, v string) string {
	m := hmac.New(sha256.New, e.opts.ReportKey)
	m.Write([]byte("sign-in:" + kind + ":" + v))
	return "signin:" + kind + ":" + hex.EncodeToString(m.Sum(nil))[:32]
}

// accountKey is the counters' key of a username as typed (case and spaces
// folded as the directory looks names up).
func (e *Directory) accountKey(username string) string {
	return e.signInKey("user", strings.ToLower(trimText(username)))
}

// Login checks a username and password from clientAddr and opens a session.
// It returns the token (shown once; only its hash is stored) and the user.
// KindUnauthorized for bad credentials, without saying which was wrong;
// KindRateLimited (with the time to wait) while the account name or the
// address is locked for failing too often (SignInPolicy), whether or not the
// account exists: a name nobody has is counted and locked like any other, and
// checked at the same bcrypt cost.
func (e *Directory) Login(ctx context.Context, username, password, clientAddr string) (string, *model.User, SignInResult, error) {
	bad := &Error{Kind: KindUnauthorized, Code: "bad_credentials", Message: "用户名或密码错误"}
	p, now := e.opts.SignIn, e.Now()
	keys := []string{e.accountKey(username)}
	if clientAddr != "" {
		keys = append(keys, e.signInKey("addr", clientAddr))
	}
	until, err := e.store.SignInLockedUntil(ctx, keys, now)
	if err != nil {
		return "", nil, SignInResult{}, err
	}
	if !until.IsZero() {
		wait := until.Sub(now)
		return "", nil, SignInResult{Outcome: SignInLocked}, &Error{Kind: KindRateLimited, Code: "sign_in_locked", RetryAfter: wait,
			Message: fmt.Sprintf("登录失败次数过多，请%d分钟后再试；如需立即登录，请联系系统管理员", int(math.Ceil(wait.Minutes())))}
	}
	u, ok, err := e.checkPassword(ctx, username, password)
	if err != nil {
		return "", nil, SignInResult{}, err
	}
	if !ok {
		res := SignInResult{Outcome: SignInFailed}
		for i, k := range keys {
			kind, limit := "account", p.AccountFailures
			if i == 1 {
				kind, limit = "address", p.AddressFailures
			}
			locked, err := e.store.FailSignIn(ctx, k, now, p.Window, limit, p.LockFor)
			if err != nil {
				return "", nil, SignInResult{}, err
			}
			if locked {
				res.Locked = append(res.Locked, kind)
			}
		}
		return "", nil, res, bad
	}
	if _, err := e.store.ClearSignIn(ctx, keys[0], now); err != nil {
		return "", nil, SignInResult{}, err
	}
	token := randomToken(32)
	if err := e.store.CreateSession(ctx, &model.Session{TokenHash: hashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(e.opts.SessionTTL)}); err != nil {
		return "", nil, SignInResult{}, err
	}
	return token, u, SignInResult{Outcome: SignInOK}, nil
}

// checkPassword looks the user up and compares the password at bcrypt's cost
// whether or not the user exists; ok is false for a wrong password, an
// unknown or inactive account, or a password longer than any account has.
func (e *Directory) checkPassword(ctx context.Context, username, password string) (*model.User, bool, error) {
	u, err := e.store.GetUserByUsername(ctx, trimText(username))
	if errors.Is(err, model.ErrNotFound) || utf8.RuneCountInString(password) > MaxPasswordChars {
		_ = bcrypt.CompareHashAndPassword(dummyHash(e.opts.BcryptCost), bcryptInput(password))
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), bcryptInput(password)) != nil || !u.Active {
		return nil, false, nil
	}
	return u, true, nil
}

// LockedAccounts tells which of users are locked from signing in now (for
// the admin page); admins only.
func (e *Directory) LockedAccounts(ctx context.Context, a Actor, users []model.User) (map[int64]bool, error) {
	if a.Role != model.RoleAdmin {
		return nil, errForbidden("只有系统管理员可以查看账号锁定")
	}
	byKey := make(map[string]int64, len(users))
	keys := make([]string, 0, len(users))
	for _, u := range users {
		k := e.accountKey(u.Username)
		byKey[k] = u.ID
		keys = append(keys, k)
	}
	locked, err := e.store.SignInLockedKeys(ctx, keys, e.Now())
	out := make(map[int64]bool, len(locked))
	for _, k := range locked {
		out[byKey[k]] = true
	}
	return out, err
}

// Unlock lifts the sign-in lock of user id's account (admins only): its
// failures are forgotten. It returns the user and whether a lock stood.
func (e *Directory) Unlock(ctx context.Context, a Actor, id int64) (*model.User, bool, error) {
	if a.Role != model.RoleAdmin {
		return nil, false, errForbidden("只有系统管理员可以解除账号锁定")
	}
	var u *model.User
	var locked bool
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		var err error
		if u, err = tx.GetUser(ctx, id); err != nil {
			return notFoundOr("用户", err)
		}
		if locked, err = tx.ClearSignIn(ctx, e.accountKey(u.Username), e.Now()); err != nil {
			return err
		}
		return e.audit(ctx, tx, a, userChange(AuditUserUnlock, u, map[string]any{"locked": locked}, map[string]any{"locked": false}))
	})
	if err != nil {
		return nil, false, err
	}
	return u, locked, nil
}

// Authenticate returns the user behind a session token. KindUnauthorized if the
// token is unknown or expired.
//
// A session seen in the last few seconds is answered from memory: a logout on
// this replica takes effect at once, one on another replica (or an expiry, or a
// deactivated account) within sessionCacheTTL.
func (e *Directory) Authenticate(ctx context.Context, token string) (*model.User, error) {
	key := hashToken(token)
	now := e.Now()
	if u, ok := e.sessions.get(key, now); ok {
		return u, nil
	}
	u, expires, err := e.store.SessionUser(ctx, key, now)
	if errors.Is(err, model.ErrNotFound) {
		return nil, &Error{Kind: KindUnauthorized, Code: "unauthorized", Message: "登录已失效，请重新登录"}
	} else if err != nil {
		return nil, err
	}
	e.sessions.put(key, u, now, expires)
	return u, nil
}

// Logout ends the session of token.
func (e *Directory) Logout(ctx context.Context, token string) error {
	key := hashToken(token)
	e.sessions.drop(key)
	return e.store.DeleteSession(ctx, key, e.Now())
}

// sessionCacheTTL bounds how long a replica trusts a session it has checked.
const sessionCacheTTL = 5 * time.Second

// sessionCache remembers recently checked sessions, at most a few thousand.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	user    *model.User
	at      time.Time // when it was checked
	expires time.Time // when the session itself ends
}

func (c *sessionCache) get(key string, now time.Time) (*model.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[key]
	if !ok || now.Sub(s.at) > sessionCacheTTL || now.Before(s.at) || !now.Before(s.expires) {
		return nil, false
	}
	u := *s.user
	return &u, true
}

func (c *sessionCache) put(key string, u *model.User, now, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 4096 {
		c.m = map[string]cachedSession{}
	}
	cp := *u
	c.m[key] = cachedSession{user: &cp, at: now, expires: expires}
}

// dropUser forgets every cached session of user id.
func (c *sessionCache) dropUser(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.m {
		if s.user.ID == id {
			delete(c.m, k)
		}
	}
}

func (c *sessionCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// unseen: a character a username may not hold because it shows as nothing or
// as space: whitespace, control and format characters (zero-width, bidi).
func unseen(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.In(r, unicode.Cf)
}
