package ledger

import (
	"testing"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

// TestLedgerPartyRoundTrip: who rectifies (责任主体类型, 责任区划) imports
// with a ledger row, is checked as registering checks it (the cell named),
// exports as Chinese words, and the exported file imports back changing
// nothing (#15).
func TestLedgerPartyRoundTrip(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		for _, r := range []workflow.RegionInput{
			{Code: "360102002", Name: "扬子洲镇", ParentCode: "360102"},
			{Code: "360102002001", Name: "蔡岭村", ParentCode: "360102002"},
		} {
			_, err := f.engine.Directory.CreateRegion(f.ctx, f.actors["admin"], r)
			noErr(t, err)
		}
		village := newRow("村道边坡落石", model.StateDiscovered)
		village.Enterprise, village.RegionCode = "", "360102002001"
		village.PartyType, village.PartyRegion = model.PartyVillage, "360102002001"
		owner := newRow("自建房切坡", model.StateDiscovered)
		owner.Enterprise, owner.RegionCode, owner.PartyType = "", "360102002", model.PartyOwner
		owner.ResponsibleUnit = "王某某"
		owner.State = model.StateListed
		res, err := f.ledger.Import(f.ctx, f.actors["donghu"], ledgerOf(t, village, owner), ImportOptions{FileName: "责任主体.xlsx"})
		if err != nil {
			t.Fatalf("%v %+v", err, err.(*workflow.Error).Detail)
		}
		if res.Created != 2 || len(res.Errors) != 0 {
			t.Fatalf("result %+v", res)
		}
		byTitle := map[string]model.Hazard{}
		for _, h := range f.allHazards(t) {
			byTitle[h.Title] = h
		}
		if h := byTitle["村道边坡落石"]; h.ResponsiblePartyType != model.PartyVillage || h.ResponsibleRegionCode != "360102002001" {
			t.Errorf("village row: %s %q", h.ResponsiblePartyType, h.ResponsibleRegionCode)
		}
		if h := byTitle["自建房切坡"]; h.ResponsiblePartyType != model.PartyOwner || h.ResponsibleUnit != "王某某" {
			t.Errorf("owner row: %s %q", h.ResponsiblePartyType, h.ResponsibleUnit)
		}

		all := f.export(t, "city", workflow.ListQuery{})
		rows := rowsOf(t, all)
		found := false
		for _, r := range rows {
			if r.Title == "村道边坡落石" {
				found = r.PartyType == model.PartyVillage && r.PartyRegion == "360102002001"
			}
		}
		if !found {
			t.Errorf("export lacks the village's party: %+v", rows)
		}
		if xlsx.HeaderOf(xlsx.ColPartyType) != "责任主体类型" || xlsx.HeaderOf(xlsx.ColPartyRegion) != "责任区划" {
			t.Error("headers")
		}
		again, err := f.ledger.Import(f.ctx, f.actors["city"], all, ImportOptions{})
		noErr(t, err)
		if again.Unchanged != 2 || again.Created+again.Updated != 0 || len(again.Errors) != 0 {
			t.Fatalf("round trip %+v", again)
		}

		// A township named by a village's code is refused, the cell named.
		bad := newRow("错误的责任区划", model.StateDiscovered)
		bad.Enterprise, bad.PartyType, bad.PartyRegion = "", model.PartyTownship, "360102002001"
		res, err = f.ledger.Import(f.ctx, f.actors["donghu"], ledgerOf(t, bad), ImportOptions{})
		if err == nil && len(res.Errors) == 0 {
			t.Fatal("a township named by a village's code imported")
		}
	})
}
