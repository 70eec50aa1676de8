package model

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// Region is an administrative division: province, city and county by GB/T 2260
// (six digits), township or sub-district (nine) and village or community
// (twelve) by the statistical division codes.
type Region struct {
	Code       string    `gorm:"primaryKey" json:"code"`
	Name       string    `json:"name"`
	ParentCode *string   `json:"parent_code"`
	Level      int       `json:"level"` // 1 province, 2 city, 3 county, 4 township, 5 village
	CreatedAt  time.Time `json:"created_at"`
}

// Region levels, derived from the shape of the code.
const (
	RegionProvince = 1
	RegionCity     = 2
	RegionCounty   = 3
	RegionTownship = 4 // 乡镇、街道 (and the farms and management offices at that level)
	RegionVillage  = 5 // 村、社区
)

// RegionLevelOf returns the level a code denotes: a twelve-digit code a village,
// nine digits a township, XX0000 a province, XXXX00 a city, any other six digits
// a county.
func RegionLevelOf(code string) int {
	switch {
	case len(code) == 12:
		return RegionVillage
	case len(code) == 9:
		return RegionTownship
	case len(code) == 6 && code[2:] == "0000":
		return RegionProvince
	case len(code) == 6 && code[4:] == "00":
		return RegionCity
	}
	return RegionCounty
}

// RegionPrefix is the part of a code that every region below it shares: "36" for
// 360000, "3601" for 360100, the whole code for a county, township or village.
func RegionPrefix(code string) string {
	switch RegionLevelOf(code) {
	case RegionProvince:
		return code[:2]
	case RegionCity:
		return code[:4]
	}
	return code
}

// ValidRegionCode reports whether code has the shape of a division code: 6, 9
// or 12 digits, not all zeros.
func ValidRegionCode(code string) bool {
	if len(code) != 6 && len(code) != 9 && len(code) != 12 {
		return false
	}
	zeros := true
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
		zeros = zeros && c == '0'
	}
	return !zeros
}

// Within reports whether code lies in the territory of region (itself included).
func Within(code, region string) bool {
	p := RegionPrefix(region)
	return (len(code) == 6 || len(code) == 9 || len(code) == 12) && len(code) >= len(region) &&
		len(code) >= len(p) && code[:len(p)] == p
}

// Enterprise is a production and business unit (生产经营单位).
type Enterprise struct {
	ID         int64     `gorm:"primaryKey" json:"id"`
	Name       string    `json:"name"`
	CreditCode string    `json:"credit_code"`
	RegionCode string    `json:"region_code"`
	Industry   string    `json:"industry"`
	CreatedAt  time.Time `json:"created_at"`
}

// User is an account of staff or of an enterprise.
type User struct {
	ID           int64      `gorm:"primaryKey" json:"id"`
	Username     string     `json:"username"`
	PasswordHash string     `json:"-"`
	DisplayName  string     `json:"display_name"`
	Role         Role       `json:"role"`
	RegionCode   *string    `json:"region_code"`
	EnterpriseID *int64     `json:"enterprise_id"`
	Department   Department `json:"department,omitempty"` // supervisors only
	Active       bool       `json:"active"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Region returns the user's region code, "" for an admin without one.
func (u *User) Region() string {
	if u.RegionCode == nil {
		return ""
	}
	return *u.RegionCode
}

// Name is how the user appears in logs and documents.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// Session is a login; only the SHA-256 of its token is kept.
type Session struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Hazard is one hidden hazard and the flags beside its state.
type Hazard struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	Code           string     `json:"code"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	Source         Source     `json:"source"`
	Level          Level      `json:"level"`
	Industry       string     `json:"industry"`
	Department     Department `json:"department"` // the competent department, set when listed
	RegionCode     string     `json:"region_code"`
	RegionProvince string     `json:"-"` // derived from RegionCode on insert
	RegionCity     string     `json:"-"`
	RegionCounty   string     `json:"-"`
	RegionTownship string     `json:"-"` // "" for a hazard of a county
	EnterpriseID   *int64     `json:"enterprise_id"`
	Location       string     `json:"location"`
	Latitude       *float64   `json:"latitude,omitempty"` // WGS-84 degrees, both or neither
	Longitude      *float64   `json:"longitude,omitempty"`
	// Category: accident (事故隐患) or disaster (灾害隐患); the fields after it
	// are a disaster hazard's and stay empty on an accident hazard.
	Category             Category     `json:"category"`
	DisasterType         DisasterType `json:"disaster_type,omitempty"`
	Subtype              string       `json:"subtype,omitempty"`
	ThreatenedHouseholds *int         `json:"threatened_households,omitempty"`
	ThreatenedPeople     *int         `json:"threatened_people,omitempty"`
	ThreatenedProperty   *float64     `json:"threatened_property,omitempty"` // 万元
	MonitorName          string       `json:"monitor_name,omitempty"`        // 监测责任人/群测群防员
	MonitorPhone         string       `json:"monitor_phone,omitempty"`
	EvacuationPlan       string       `json:"evacuation_plan,omitempty"` // the route and the shelter
	DiscoveredAt         time.Time    `json:"discovered_at"`
	State                State        `json:"state"`
	Version              int          `json:"version"`
	EscalationLevel      int          `json:"escalation_level"`
	ListedSupervision    bool         `json:"listed_supervision"`
	ProductionSuspended  bool         `json:"production_suspended"`
	BasisStandard        string       `json:"basis_standard"`
	BasisClause          string       `json:"basis_clause"`
	Measures             string       `json:"measures"`
	ResponsibleUnit      string       `json:"responsible_unit"`
	// ResponsiblePartyType is who rectifies (workflow/party.go); for a
	// township or a village ResponsibleRegionCode is its region.
	ResponsiblePartyType  PartyType  `json:"responsible_party_type"`
	ResponsibleRegionCode string     `json:"responsible_region_code,omitempty"`
	ResponsiblePerson     string     `json:"responsible_person"`
	ResponsiblePhone      string     `json:"responsible_phone"`
	Funds                 *float64   `json:"funds"` // 万元
	FundsSource           string     `json:"funds_source"`
	Deadline              *Date      `json:"deadline"`
	DueOn                 *Date      `json:"due_on"`       // overdue after this day (deadline, or listing plus the plan allowance)
	NextStepOn            *Date      `json:"next_step_on"` // the next supervision step falls due on this day
	ReplyDue              *Date      `json:"reply_due"`    // the current step's reply deadline, while unanswered
	RemindedDue           *Date      `json:"reminded_due"` // the due day last reminded of (期限临近提醒): once per due day
	EmergencyPlan         string     `json:"emergency_plan"`
	DuplicateOf           *int64     `json:"duplicate_of"`
	CreatedBy             *int64     `json:"created_by"`
	ListedAt              *time.Time `json:"listed_at"`
	PlannedAt             *time.Time `json:"planned_at"`
	SubmittedBy           *int64     `json:"submitted_by"`
	SubmittedAt           *time.Time `json:"submitted_at"`
	VerifiedBy            *int64     `json:"verified_by"`
	VerifiedAt            *time.Time `json:"verified_at"`
	ClosedAt              *time.Time `json:"closed_at"`
	// A pending transfer (移交): set by transfer, cleared by its answer or by
	// the hazard's end; pending while TransferDueOn is set (PendingTransfer).
	TransferToDepartment Department `json:"-"`
	TransferToRegion     string     `json:"-"`
	TransferReason       string     `json:"-"`
	TransferBy           *int64     `json:"-"`
	TransferAt           *time.Time `json:"-"`
	TransferDueOn        *Date      `json:"-"`
	TransferNoticed      bool       `json:"-"` // the late answer was flagged and notified (once)

	// The catalogue entry the basis cites (workflow.Catalogue): the standard,
	// the version cited and the clause; nil when the basis is not in the
	// catalogue (未收录) or the hazard has none.
	BasisStandardID      *string `json:"basis_standard_id"`
	BasisStandardVersion *int    `json:"basis_standard_version"`
	BasisClauseRef       *string `json:"basis_clause_ref"`

	// TransferDeclined is the receiver's reason for sending the last transfer
	// back, kept for the sender until someone acts on the hazard again.
	TransferDeclined string `json:"transfer_declined,omitempty"`
	// ListedLevel and ListedRegion say who put a major hazard under listed
	// supervision (挂牌督办): a county, a city or the province, and its code;
	// "" while the hazard is not under it (ListedBy).
	// A suspension order (停产停业) and the request to resume: the order
	// stands while SuspensionOrderNo is set; a request waits for its on-site
	// review until ResumeDueOn (Suspension).
	SuspensionOrderNo string     `json:"-"`
	SuspendedAt       *time.Time `json:"-"`
	ResumeRequestedAt *time.Time `json:"-"`
	ResumeDueOn       *Date      `json:"-"`
	ResumeNoticed     bool       `json:"-"`
	// VerifyNoticed: this submission's wait for verification was flagged late
	// (核实超时) and notified; cleared by the next submit.
	VerifyNoticed bool `json:"-"`
	// Patrols of an open disaster hazard (workflow/patrol.go): the last
	// patrol, the day the current cycle's patrol is due (nil on a closed or an
	// accident hazard), the due day of the last cycle missed (巡查逾期, until
	// the next patrol), and since when a danger sign (险情) stands unanswered.
	LastPatrolAt   *time.Time `json:"-"`
	PatrolDueOn    *Date      `json:"-"`
	PatrolMissedOn *Date      `json:"-"`
	DangerAt       *time.Time `json:"-"`
	ListedLevel    ListLevel  `json:"-"`
	ListedRegion   string     `json:"-"`
	// CreatedRegion is the region of the account that registered the hazard
	// ("" for the public, the system and hazards from before it was kept).
	CreatedRegion string `json:"-"`
	// LastSeq and ChainHead are the chain's position: withheld from enterprise
	// users (workflow.Actor.Redact), hence absent from JSON when zero.
	LastSeq   int64     `json:"last_seq,omitempty"`
	ChainHead string    `json:"chain_head,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false" json:"updated_at"` // the engine's clock, not gorm's
}

// Overdue reports whether the hazard is open and its due day lies before today.
func (h *Hazard) Overdue(today Date) bool {
	return h.State.Open() && h.DueOn != nil && h.DueOn.Before(today.Time)
}

// ListedBy is who put a hazard under listed supervision, as the API shows it.
type ListedBy struct {
	Level      ListLevel `json:"level"`
	RegionCode string    `json:"region_code"`
}

// ListedBy is the level and region of the hazard's listed supervision, nil
// when it is not under it.
func (h *Hazard) ListedBy() *ListedBy {
	if !h.ListedSupervision || h.ListedLevel == "" {
		return nil
	}
	return &ListedBy{Level: h.ListedLevel, RegionCode: h.ListedRegion}
}

// LevelLabel is the level's Chinese name (县级, 市级, 省级), "" for none (l nil).
func (l *ListedBy) LevelLabel() string {
	if l == nil {
		return ""
	}
	return l.Level.Label()
}

// Suspension is a standing suspension order (停产停业) as the API shows it,
// with the request to resume waiting for its on-site review (复产审查), if any.
type Suspension struct {
	OrderNo           string     `json:"order_no"`
	SuspendedAt       *time.Time `json:"suspended_at"`
	ResumeRequestedAt *time.Time `json:"resume_requested_at"`
	ResumeDueOn       *Date      `json:"resume_due_on"`
	ReviewOverdue     bool       `json:"review_overdue"`
}

// Suspension is the hazard's standing suspension order, nil when none; today
// decides whether a waiting request's review is late.
func (h *Hazard) Suspension(today Date) *Suspension {
	if h.SuspensionOrderNo == "" {
		return nil
	}
	return &Suspension{OrderNo: h.SuspensionOrderNo, SuspendedAt: h.SuspendedAt, ResumeRequestedAt: h.ResumeRequestedAt,
		ResumeDueOn: h.ResumeDueOn, ReviewOverdue: h.ResumeDueOn != nil && h.ResumeDueOn.Before(today.Time)}
}

// Transfer is a hazard's pending transfer as the API shows it: the department
// and region it goes to (both always given: the target is the hazard's own
// where the transfer does not change it), why, by when the receiver answers,
// and whether that day has passed.
type Transfer struct {
	ToDepartment Department `json:"to_department"`
	ToRegionCode string     `json:"to_region_code"`
	Reason       string     `json:"reason"`
	DueOn        Date       `json:"due_on"`
	By           *int64     `json:"by"`
	At           *time.Time `json:"at"`
	Overdue      bool       `json:"overdue"`
	// ToOffice names the receiving office (东湖区水利局) where the reader
	// filled it in; "" otherwise.
	ToOffice string `json:"to_office,omitempty"`
}

// PendingTransfer is the hazard's unanswered transfer, nil when there is none;
// today decides Overdue (the receiver's answer is late after DueOn).
func (h *Hazard) PendingTransfer(today Date) *Transfer {
	if h.TransferDueOn == nil {
		return nil
	}
	return &Transfer{ToDepartment: h.TransferToDepartment, ToRegionCode: h.TransferToRegion, Reason: h.TransferReason,
		DueOn: *h.TransferDueOn, By: h.TransferBy, At: h.TransferAt, Overdue: h.TransferDueOn.Before(today.Time)}
}

// ClearTransfer forgets the pending transfer (answered, or the hazard ended).
func (h *Hazard) ClearTransfer() {
	h.TransferToDepartment, h.TransferToRegion, h.TransferReason = "", "", ""
	h.TransferBy, h.TransferAt, h.TransferDueOn, h.TransferNoticed = nil, nil, nil, false
}

// HazardEvent is one row of a hazard's append-only, hash-chained log.
type HazardEvent struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	HazardID  int64     `json:"hazard_id"`
	Seq       int64     `json:"seq"`
	Event     Event     `json:"event"`
	FromState State     `json:"from"`
	ToState   State     `json:"to"`
	ActorID   *int64    `json:"actor_id"`
	ActorName string    `json:"actor"`
	Role      Role      `json:"role"`
	Comment   string    `json:"comment"`
	Payload   JSONText  `json:"payload"` // canonical JSON, hashed as stored
	CreatedAt time.Time `json:"created_at"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// JSONText is JSON kept as the exact text that was hashed; it is written into API
// responses as the object it holds.
type JSONText string

// MarshalJSON writes the text itself when it is valid JSON, else a JSON string.
func (j JSONText) MarshalJSON() ([]byte, error) {
	if json.Valid([]byte(j)) {
		return []byte(j), nil
	}
	return json.Marshal(string(j))
}

// BeforeCreate fills the province, city, county and township a hazard's region
// lies in, so that every insert (one by one or in bulk) keeps them true.
func (h *Hazard) BeforeCreate(*gorm.DB) error {
	if h.Category == "" {
		h.Category = CategoryAccident
	}
	if h.ResponsiblePartyType == "" {
		h.ResponsiblePartyType, h.ResponsibleRegionCode = DefaultParty(h.EnterpriseID != nil, h.RegionCode)
	}
	h.RegionProvince, h.RegionCity, h.RegionCounty, h.RegionTownship = RegionLevels(h.RegionCode)
	return nil
}

// DefaultParty is who rectifies a hazard registered without saying
// (docs/design.md, "Who rectifies"): its enterprise when it has one; else
// the body of the place it lies in — a village's committee for a hazard of a
// village, a township's government for one of a township — and a
// department of the county (the competent department, set when listed) for
// one of a county or above. Migration 00033 settled the hazards before it
// the same way.
func DefaultParty(hasEnterprise bool, region string) (PartyType, string) {
	switch {
	case hasEnterprise:
		return PartyEnterprise, ""
	case len(region) == 12:
		return PartyVillage, region
	case len(region) == 9:
		return PartyTownship, region
	}
	return PartyDepartment, ""
}

// RegionLevels returns the province, city, county and township codes a region
// code lies in ("" for a level below the code's own, and all "" for a code that
// is not 6, 9 or 12 long). A hazard keeps them beside its region code so that
// each territory is an equality an index serves in id order.
func RegionLevels(code string) (province, city, county, township string) {
	switch len(code) {
	case 12:
		township = code[:9]
	case 9:
		township = code
	case 6:
	default:
		return "", "", "", ""
	}
	return code[:2] + "0000", code[:4] + "00", code[:6], township
}
