package workflow

import (
	"context"
	"errors"

	"hazardloop/model"
)

// HazardDetail is everything the hazard page shows: the hazard as a sees it, its
// log as a sees it (Actor.Log), its files, its supervision steps and the names behind its codes.
type HazardDetail struct {
	HazardView
	RegionName     string
	EnterpriseName string
	Events         []model.HazardEvent
	Evidence       []model.Evidence
	Escalations    []model.Escalation
	// Linkable are the enterprises a may name as responsible when confirming a
	// hazard registered without one; nil otherwise.
	Linkable []model.Enterprise
	// Records are the printable records that apply to the hazard (RecordsFor),
	// each with its title.
	Records []RecordLink
	// MayUpload says whether a may add files now.
	MayUpload bool
	// SignsSelf: a is the addressee of the hazard's supervision documents
	// and signs and replies itself; SignsPaper: a may only record the
	// addressee's answer on paper (SignsFor).
	SignsSelf, SignsPaper bool
	// Office is the competent department's official name (东湖区住房和城乡建设局),
	// "" while the hazard has none.
	Office string
	// ChoosesDepartment: a names the competent department when confirming
	// (officers and supervisors; an enterprise's confirm takes the default).
	ChoosesDepartment bool
	// TransferTo is the office a pending transfer goes to (邻县水利局), "" when
	// none is pending; TransferReach is the region whose territory a may
	// transfer the hazard into (the parent of a's region), "" when a may not.
	TransferTo    string
	TransferReach string
	// ListLevels are the levels a may raise the hazard's listed supervision
	// to (list_supervision), lowest first; none when a may not.
	ListLevels []model.ListLevel
}

// Detail returns hazard id with its log, files and supervision steps, for a.
// KindNotFound, or KindForbidden outside a's territory.
func (e *Hazards) Detail(ctx context.Context, a Actor, id int64) (HazardDetail, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return HazardDetail{}, err
	}
	d := HazardDetail{HazardView: e.view(a, h), MayUpload: mayAct(a, h) == nil}
	d.SignsSelf, d.SignsPaper = SignsFor(a, h)
	if d.Events, err = e.store.ListEvents(ctx, id); err != nil {
		return HazardDetail{}, err
	}
	for _, k := range RecordsFor(h, d.Events) {
		d.Records = append(d.Records, RecordLink{Kind: k, Title: RecordTitle(k)})
	}
	d.Events = a.Log(d.Events)
	if d.Evidence, err = e.store.ListEvidence(ctx, id); err != nil {
		return HazardDetail{}, err
	}
	if d.Escalations, err = e.store.ListEscalations(ctx, id); err != nil {
		return HazardDetail{}, err
	}
	d.ChoosesDepartment = a.Role == model.RoleSupervisor || a.Role == model.RoleOfficer
	if r, err := e.store.GetRegion(ctx, h.RegionCode); err == nil {
		d.RegionName = r.Name
		if h.Department != "" {
			if d.Office, err = e.office(ctx, h.RegionCode, h.Department); err != nil {
				return HazardDetail{}, err
			}
		}
	} else if !errors.Is(err, model.ErrNotFound) {
		return HazardDetail{}, err
	}
	for _, ev := range d.AllowedEvents {
		if ev != model.EventListSupervision {
			continue
		}
		for _, l := range []model.ListLevel{model.ListCity, model.ListProvince} {
			if l.RegionLevel() < h.ListedLevel.RegionLevel() && model.RegionLevelOf(a.Region) <= l.RegionLevel() && model.Within(listingRegion(h, l), a.Region) {
				d.ListLevels = append(d.ListLevels, l)
			}
		}
	}
	if err := e.transferNames(ctx, a, &d); err != nil {
		return HazardDetail{}, err
	}
	if h.EnterpriseID != nil {
		ent, err := e.store.GetEnterprise(ctx, *h.EnterpriseID)
		if err != nil {
			return HazardDetail{}, err
		}
		d.EnterpriseName = ent.Name
	} else if a.Role == model.RoleSupervisor || a.Role == model.RoleOfficer {
		for _, ev := range d.AllowedEvents {
			if ev == model.EventConfirm {
				if d.Linkable, err = e.store.ListEnterprises(ctx, model.Scope{Region: a.Region}); err != nil {
					return HazardDetail{}, err
				}
			}
		}
	}
	return d, nil
}

// transferNames fills d's TransferTo and TransferReach.
func (e *core) transferNames(ctx context.Context, a Actor, d *HazardDetail) error {
	if t := d.PendingTransfer; t != nil {
		office, err := e.office(ctx, t.ToRegionCode, receiverDepartment(t.ToDepartment))
		if err != nil {
			return err
		}
		d.TransferTo, t.ToOffice = office, office
	}
	for _, ev := range d.AllowedEvents {
		if ev != model.EventTransfer || a.Region == "" {
			continue
		}
		r, err := e.store.GetRegion(ctx, a.Region)
		if err != nil {
			return err
		}
		d.TransferReach = a.Region
		if p := parentOf(*r); p != "" {
			d.TransferReach = p
		}
	}
	return nil
}

// office is the official name of department dept over region code: the
// county's office for a township or a village (the departments sit at the
// county: 东湖区水利局 for a village of 东湖区), the region's own above.
func (e *core) office(ctx context.Context, code string, dept model.Department) (string, error) {
	r, err := e.store.GetRegion(ctx, model.CodeCounty(code))
	if err != nil {
		return "", err
	}
	return DepartmentOffice(r.Name, r.Level, dept), nil
}
