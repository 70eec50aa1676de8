package workflow

import (
	"context"
	"errors"
	"time"

	"hazardloop/model"
)

// Idempotency remembers the answers of sends made under an Idempotency-Key, in
// the database, so that a retry on any replica gets the first answer again.
type Idempotency struct{ *core }

// IdempotencyStale is how long a claim may stay unanswered before it is taken
// for a request whose replica died between its change and storing the answer.
const IdempotencyStale = 10 * time.Minute

// Claim makes the caller the one request answering key in scope; when another
// request holds it, prior is that request (Status 0 while still in flight).
func (e *Idempotency) Claim(ctx context.Context, scope, key string) (claimed bool, prior *model.IdempotentAnswer, err error) {
	for range 2 { // the holder may release its claim between our insert and read
		ok, err := e.store.ClaimIdempotencyKey(ctx, scope, key, e.Now())
		if err != nil || ok {
			return ok, nil, err
		}
		a, err := e.store.IdempotencyKey(ctx, scope, key)
		if errors.Is(err, model.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, nil, err
		}
		return false, a, nil
	}
	return false, &model.IdempotentAnswer{Scope: scope, Key: key, CreatedAt: e.Now()}, nil
}

// Stale tells whether an unanswered claim is older than IdempotencyStale.
func (e *Idempotency) Stale(a *model.IdempotentAnswer) bool {
	return a.Status == 0 && e.Now().Sub(a.CreatedAt) > IdempotencyStale
}

// Finish stores the answer of the claiming request.
func (e *Idempotency) Finish(ctx context.Context, a *model.IdempotentAnswer) error {
	return e.store.FinishIdempotencyKey(ctx, a)
}

// Release frees a claim whose request changed nothing.
func (e *Idempotency) Release(ctx context.Context, scope, key string) error {
	return e.store.ReleaseIdempotencyKey(ctx, scope, key)
}

// purgeIdempotencyKeys deletes the idempotency keys past their 24 hours, in
// batches of idempotencyPurgeBatch, each its own short transaction.
func (e *core) purgeIdempotencyKeys(ctx context.Context, now time.Time, res *SweepResult) error {
	for {
		n, err := e.store.PurgeIdempotencyKeys(ctx, now, idempotencyPurgeBatch)
		if err != nil {
			return err
		}
		res.KeysPurged += int(n)
		if n < idempotencyPurgeBatch {
			return nil
		}
	}
}

// idempotencyPurgeBatch is how many expired keys one statement deletes.
const idempotencyPurgeBatch = 1000
