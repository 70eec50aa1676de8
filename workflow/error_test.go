package workflow

import (
	"errors"
	"sync"
	"testing"

	"hazardloop/model"
)

// TestErrStale: a change made against a version someone else moved on is
// ErrStale to errors.Is, whether the version was stale when read or lost the
// race at commit; other conflicts and refusals are not.
func TestErrStale(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.toState(t, model.StateRectifying)
		escalate := func(version int) error {
			_, err := f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{
				Event: model.EventEscalate, Version: version, Fields: Fields{Reason: sp("进度滞后")}})
			return err
		}

		err := escalate(h.Version - 1)
		var we *Error
		if !errors.Is(err, ErrStale) || !errors.As(err, &we) || we.Kind != KindConflict || we.Code != "stale_version" {
			t.Fatalf("stale version: %v, want ErrStale (a conflict, code stale_version)", err)
		}

		// Racers at one version: every loser is told its version is stale.
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = escalate(h.Version)
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrStale):
				t.Errorf("a loser of the race: %v, want ErrStale", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d winners, want 1", wins)
		}

		// Not stale: a conflict of another kind, and a refusal of the input.
		h = f.proof(t, "ent", f.hazardAt(t, h.ID))
		evs, err := f.engine.Evidence.List(f.ctx, f.actors["ent"], h.ID)
		noErr(t, err)
		_, err = f.engine.Evidence.Withdraw(f.ctx, f.actors["ent"], evs[0].ID, "传错了")
		noErr(t, err)
		_, err = f.engine.Evidence.Withdraw(f.ctx, f.actors["ent"], evs[0].ID, "传错了")
		if kindOf(err) != KindConflict || errors.Is(err, ErrStale) {
			t.Errorf("withdrawing twice: %v, want a conflict that is not ErrStale", err)
		}
		h = f.hazardAt(t, h.ID)
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventExtend, Version: h.Version})
		if kindOf(err) != KindInvalid || errors.Is(err, ErrStale) {
			t.Errorf("extending without a reason or a deadline: %v, want a refusal that is not ErrStale", err)
		}
	})
}

// hazardAt is hazard id as the admin sees it now.
func (f *fixture) hazardAt(tb testing.TB, id int64) HazardView {
	tb.Helper()
	h, err := f.engine.Hazards.Hazard(f.ctx, f.actors["admin"], id)
	noErr(tb, err)
	return h
}
