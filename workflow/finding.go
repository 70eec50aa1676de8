package workflow

import (
	"context"

	"hazardloop/model"
)

// LogFinding registers a hazard with its site photos (photo_before) in one
// transaction: the hazard is not created if a photo is refused. The photos are
// checked by content before anything is written; a refusal names the field file.
func (e *Hazards) LogFinding(ctx context.Context, a Actor, in HazardInput, photos []EvidenceInput) (HazardView, error) {
	ps := make([]*prepared, 0, len(photos))
	for _, p := range photos {
		p.Kind = model.EvidencePhotoBefore
		pp, err := e.prepare(ctx, p, false)
		if err != nil {
			return HazardView{}, err
		}
		ps = append(ps, pp)
	}
	var out HazardView
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		h, err := e.createIn(ctx, tx, a, in)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if _, h, err = e.attach(ctx, tx, a, h, p, e.Now()); err != nil {
				return err
			}
		}
		out = e.view(a, h)
		return nil
	})
	return out, err
}
