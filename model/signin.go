package model

import (
	"context"
	"time"
)

// SignInLockedUntil returns the latest time any of keys is locked until, if
// past now (a zero time when none is locked).
func (s *Store) SignInLockedUntil(ctx context.Context, keys []string, now time.Time) (time.Time, error) {
	var until []time.Time
	err := s.r(ctx).Table("sign_in_failures").Where("key IN ? AND locked_until > ?", keys, now.UTC()).
		Pluck("locked_until", &until).Error
	var latest time.Time
	for _, u := range until {
		if u.After(latest) {
			latest = u
		}
	}
	return latest, translate("model: sign-in locks", err)
}

// FailSignIn counts a failed sign-in of key: the count starts again when the
// window since the first failure has passed; at limit the key is locked until
// now + lockFor. It reports whether this failure locked it. One statement
// counts, so replicas failing at once count every failure.
func (s *Store) FailSignIn(ctx context.Context, key string, now time.Time, window time.Duration, limit int, lockFor time.Duration) (bool, error) {
	now = now.UTC()
	var n int64
	err := s.w(ctx).Raw(`INSERT INTO sign_in_failures (key, failures, first_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN sign_in_failures.first_at < ? THEN 1 ELSE sign_in_failures.failures + 1 END,
			first_at = CASE WHEN sign_in_failures.first_at < ? THEN ? ELSE sign_in_failures.first_at END
		RETURNING failures`, key, now, now.Add(-window), now.Add(-window), now).Scan(&n).Error
	if err != nil || n < int64(limit) {
		return false, translate("model: sign-in failure", err)
	}
	res := s.w(ctx).Exec(`UPDATE sign_in_failures SET locked_until = ? WHERE key = ? AND (locked_until IS NULL OR locked_until <= ?)`,
		now.Add(lockFor), key, now)
	return res.RowsAffected > 0, translate("model: sign-in lock", res.Error)
}

// ClearSignIn forgets key's failures and lock (a success, or an admin's
// unlock); it reports whether the key was locked.
func (s *Store) ClearSignIn(ctx context.Context, key string, now time.Time) (bool, error) {
	var locked int64
	err := s.w(ctx).Raw(`SELECT COUNT(*) FROM sign_in_failures WHERE key = ? AND locked_until > ?`, key, now.UTC()).Scan(&locked).Error
	if err != nil {
		return false, translate("model: sign-in clear", err)
	}
	return locked > 0, translate("model: sign-in clear", s.w(ctx).Exec(`DELETE FROM sign_in_failures WHERE key = ?`, key).Error)
}

// SignInLockedKeys returns which of keys are locked at now.
func (s *Store) SignInLockedKeys(ctx context.Context, keys []string, now time.Time) ([]string, error) {
	var out []string
	if len(keys) == 0 {
		return nil, nil
	}
	err := s.r(ctx).Table("sign_in_failures").Where("key IN ? AND locked_until > ?", keys, now.UTC()).Pluck("key", &out).Error
	return out, translate("model: sign-in locked keys", err)
}
