package model

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm/clause"
)

// The transparency log (migration 00028, docs/design.md "A log that cannot be
// rewritten unseen"): every event's hash is a leaf of one RFC 6962 Merkle tree,
// whose stored hashes (tlog.StoredHashes) are kept in log_hashes, and a signed
// checkpoint (origin, size, root) is written each day.

// Checkpoint is a row of checkpoints: the log's size and root hash when it was
// signed, and the signed note's text (C2SP tlog-checkpoint in a signed note).
type Checkpoint struct {
	N           int64     `gorm:"primaryKey;autoIncrement:false" json:"n"`
	Size        int64     `json:"size"`
	Root        string    `json:"root"` // base64, as in the note
	SignedNote  string    `json:"signed_note"`
	LastEventID int64     `json:"-"`
	CreatedAt   time.Time `gorm:"autoCreateTime:false" json:"created_at"`
}

// LogKey is the one row of log_key: the verifier key every replica signs with.
type LogKey struct {
	ID        int64 `gorm:"primaryKey;autoIncrement:false"`
	Origin    string
	Verifier  string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

// TableName is log_key.
func (LogKey) TableName() string { return "log_key" }

// ErrKeyMismatch is EnsureLogKey's answer to a replica whose key is not the one
// the database was first signed with.
var ErrKeyMismatch = errors.New("model: the signing key differs from the one this database's log is signed with")

// EnsureLogKey records verifier (the note verifier key's text) and origin as the
// log's at first use and otherwise checks that they are the recorded ones: a
// replica started with another key would sign checkpoints no one can check
// against the published key. Replicas starting together race on the one row;
// the loser reads the winner's.
func (s *Store) EnsureLogKey(ctx context.Context, origin, verifier string, now time.Time) error {
	k := LogKey{ID: 1, Origin: origin, Verifier: verifier, CreatedAt: now.UTC()}
	if err := s.w(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&k).Error; err != nil {
		return translate("model: record log key", err)
	}
	var got LogKey
	if err := s.w(ctx).Take(&got, "id = 1").Error; err != nil {
		return translate("model: read log key", err)
	}
	if got.Verifier != verifier || got.Origin != origin {
		return fmt.Errorf("%w: this replica's key is %q, the database's %q (since %s); give every replica the same --signing-key",
			ErrKeyMismatch, verifier, got.Verifier, got.CreatedAt.In(Shanghai).Format("2006-01-02 15:04"))
	}
	return nil
}

// LoggedKey returns the recorded verifier key ("" before the first start with a key).
func (s *Store) LoggedKey(ctx context.Context) (LogKey, error) {
	var ks []LogKey
	err := s.r(ctx).Where("id = 1").Find(&ks).Error
	if err != nil || len(ks) == 0 {
		return LogKey{}, translate("model: read log key", err)
	}
	return ks[0], nil
}

// logLeaf is a row of log_leaves.
type logLeaf struct {
	Idx     int64 `gorm:"primaryKey;autoIncrement:false"`
	EventID int64
}

func (logLeaf) TableName() string { return "log_leaves" }

// logHash is a row of log_hashes.
type logHash struct {
	Idx  int64 `gorm:"primaryKey;autoIncrement:false"`
	Hash []byte
}

func (logHash) TableName() string { return "log_hashes" }

// LogMargin is how long an event's transaction may stay open and still have
// its event reach the log (see AppendLog); far beyond any transaction of this
// service, which are sub-second, a ledger import's batch seconds.
const LogMargin = 24 * time.Hour

// checkpointLock is the PostgreSQL advisory lock (transaction-scoped) that
// lets one checkpoint job run at a time across replicas.
const checkpointLock = 0x6861_7a6c_6f67 // "hazlog"

// EventLeaf is the leaf data of an event: its hash's 32 bytes.
func EventLeaf(hash string) ([]byte, error) {
	b, err := hex.DecodeString(hash)
	if err != nil || len(b) != tlog.HashSize {
		return nil, fmt.Errorf("model: event hash %q is not 32 bytes of hex", hash)
	}
	return b, nil
}

// frontier is a tlog.HashReader over the few stored hashes that appending to
// a tree of n leaves reads: the roots of its complete subtrees, at most one per
// level. It lets a tree of millions of leaves be built, or recomputed, in
// constant memory, through tlog's own StoredHashes and TreeHash.
type frontier struct {
	n      int64
	hashes map[int64]tlog.Hash
}

func (f *frontier) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := f.hashes[x]
		if !ok {
			return nil, fmt.Errorf("model: stored hash %d is not on the frontier of %d leaves", x, f.n)
		}
		out[i] = h
	}
	return out, nil
}

// frontierIndexes are the stored-hash indexes of the complete subtrees of a
// tree of n leaves.
func frontierIndexes(n int64) []int64 {
	var idx []int64
	for l := 0; n>>l > 0; l++ {
		if (n>>l)&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(l, (n>>l)-1))
		}
	}
	return idx
}

// add appends leaf data as leaf f.n and returns the stored hashes it makes
// (index tlog.StoredHashIndex(0, f.n) onwards).
func (f *frontier) add(data []byte) ([]tlog.Hash, error) {
	hs, err := tlog.StoredHashes(f.n, data, f)
	if err != nil {
		return nil, err
	}
	first := tlog.StoredHashIndex(0, f.n)
	for i, h := range hs {
		f.hashes[first+int64(i)] = h
	}
	f.n++
	keep := map[int64]tlog.Hash{}
	for _, x := range frontierIndexes(f.n) {
		keep[x] = f.hashes[x]
	}
	f.hashes = keep
	return hs, nil
}

// root is the tree hash of the f.n leaves added.
func (f *frontier) root() (tlog.Hash, error) { return tlog.TreeHash(f.n, f) }

// LogSize is the number of leaves in the log.
func (s *Store) LogSize(ctx context.Context) (int64, error) {
	var n int64
	err := s.w(ctx).Raw("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves").Scan(&n).Error
	return n, translate("model: log size", err)
}

// HashReader reads the log's stored hashes (tlog's HashReader) for proofs.
func (s *Store) HashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		var rows []logHash
		if err := s.r(ctx).Where("idx IN ?", idx).Find(&rows).Error; err != nil {
			return nil, translate("model: read log hashes", err)
		}
		m := make(map[int64][]byte, len(rows))
		for _, r := range rows {
			m[r.Idx] = r.Hash
		}
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			b, ok := m[x]
			if !ok || len(b) != tlog.HashSize {
				return nil, fmt.Errorf("model: log hash %d missing", x)
			}
			copy(out[i][:], b)
		}
		return out, nil
	})
}

// SignFunc signs a checkpoint of the log at size with root and returns the
// signed note's text.
type SignFunc func(size int64, root tlog.Hash) (string, error)

// AppendLog adds the events not yet in the log as its next leaves, in id order,
// and writes a checkpoint signed by sign. It does nothing (and returns false)
// when no event is new and a checkpoint exists, or when notSince is set and a
// checkpoint was made at or after it (the daily checkpoint, taken once across
// replicas). One job at a time: on PostgreSQL it holds an advisory lock to its
// commit; SQLite has one writer.
//
// Which events are new, and why the log is in commit order: on SQLite, one
// writer at a time, ids are handed out in commit order. On PostgreSQL an id is
// taken at insert, before its transaction commits, so an event with a lower id
// may become visible after one with a higher id, already logged. The job
// therefore takes every visible event that has no leaf yet (an anti-join on
// log_leaves' unique event_id), not those above the last logged id: a late
// committer becomes a leaf of the next checkpoint, after what was seen before
// it, which is its commit order as the log can know it. To keep the anti-join
// short, it starts above a floor: the highest event id logged by a checkpoint
// older than LogMargin. An event below that floor took its id before that
// checkpoint (identity sequences are handed out in increasing order), so it is
// either logged, or rolled back, or in a transaction open for more than
// LogMargin, which this service never holds.
func (s *Store) AppendLog(ctx context.Context, now time.Time, notSince time.Time, sign SignFunc) (Checkpoint, bool, error) {
	var cp Checkpoint
	made := false
	err := s.Tx(ctx, func(tx *Store) error {
		if tx.dialect == DialectPostgres {
			if err := tx.w(ctx).Exec("SELECT pg_advisory_xact_lock(?)", checkpointLock).Error; err != nil {
				return translate("model: checkpoint lock", err)
			}
		}
		latest, have, err := tx.LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		if have && !notSince.IsZero() && !latest.CreatedAt.Before(notSince) {
			cp = latest
			return nil
		}
		var floor int64
		err = tx.w(ctx).Raw("SELECT COALESCE(MAX(last_event_id), 0) FROM checkpoints WHERE created_at <= ?",
			now.UTC().Add(-LogMargin)).Scan(&floor).Error
		if err != nil {
			return translate("model: log floor", err)
		}
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		f := &frontier{n: size, hashes: map[int64]tlog.Hash{}}
		if size > 0 {
			idx := frontierIndexes(size)
			hs, err := tx.HashReader(ctx).ReadHashes(idx)
			if err != nil {
				return err
			}
			for i, x := range idx {
				f.hashes[x] = hs[i]
			}
		}
		type newEvent struct {
			ID   int64
			Hash string
		}
		var (
			leaves []logLeaf
			hashes []logHash
			lastID = latest.LastEventID
		)
		write := func() error {
			if len(leaves) > 0 {
				if err := tx.w(ctx).CreateInBatches(leaves, 1000).Error; err != nil {
					return translate("model: append log leaves", err)
				}
			}
			if len(hashes) > 0 {
				if err := tx.w(ctx).CreateInBatches(hashes, 1000).Error; err != nil {
					return translate("model: append log hashes", err)
				}
			}
			leaves, hashes = leaves[:0], hashes[:0]
			return nil
		}
		// Read in pages by id, writing as it goes: the first checkpoint of a
		// loaded database has millions of events.
		after := floor
		for {
			var page []newEvent
			err := tx.w(ctx).Raw(`SELECT e.id, e.hash FROM hazard_events e
				WHERE e.id > ? AND NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.event_id = e.id)
				ORDER BY e.id LIMIT 10000`, after).Scan(&page).Error
			if err != nil {
				return translate("model: new events", err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				data, err := EventLeaf(e.Hash)
				if err != nil {
					return err
				}
				first := tlog.StoredHashIndex(0, f.n)
				leaves = append(leaves, logLeaf{Idx: f.n, EventID: e.ID})
				hs, err := f.add(data)
				if err != nil {
					return err
				}
				for i, h := range hs {
					hashes = append(hashes, logHash{Idx: first + int64(i), Hash: append([]byte(nil), h[:]...)})
				}
				lastID = max(lastID, e.ID)
			}
			after = page[len(page)-1].ID
			if err := write(); err != nil {
				return err
			}
		}
		if f.n == size && have {
			cp = latest
			return nil
		}
		if f.n == 0 {
			return nil // nothing to sign yet
		}
		root, err := f.root()
		if err != nil {
			return err
		}
		text, err := sign(f.n, root)
		if err != nil {
			return err
		}
		cp = Checkpoint{N: latest.N + 1, Size: f.n, Root: root.String(), SignedNote: text, LastEventID: lastID, CreatedAt: now.UTC()}
		if !have {
			cp.N = 1
		}
		if err := tx.w(ctx).Create(&cp).Error; err != nil {
			return translate("model: write checkpoint", err)
		}
		made = true
		return nil
	})
	return cp, made, err
}

// LatestCheckpoint returns the newest checkpoint; false when there is none.
func (s *Store) LatestCheckpoint(ctx context.Context) (Checkpoint, bool, error) {
	var cps []Checkpoint
	if err := s.r(ctx).Order("n DESC").Limit(1).Find(&cps).Error; err != nil {
		return Checkpoint{}, false, translate("model: latest checkpoint", err)
	}
	if len(cps) == 0 {
		return Checkpoint{}, false, nil
	}
	return cps[0], true, nil
}

// Checkpoints returns at most limit checkpoints, newest first, below before
// (0: from the newest).
func (s *Store) Checkpoints(ctx context.Context, before int64, limit int) ([]Checkpoint, error) {
	q := s.r(ctx).Order("n DESC").Limit(limit)
	if before > 0 {
		q = q.Where("n < ?", before)
	}
	var cps []Checkpoint
	return cps, translate("model: checkpoints", q.Find(&cps).Error)
}

// CheckpointN returns checkpoint n; ErrNotFound when there is none.
func (s *Store) CheckpointN(ctx context.Context, n int64) (Checkpoint, error) {
	var cp Checkpoint
	return cp, translate(fmt.Sprintf("model: checkpoint %d", n), s.r(ctx).Take(&cp, "n = ?", n).Error)
}

// EventLeafIndex returns the log index of the event seq of hazard id, and the
// event's hash; ErrNotFound when the event does not exist, -1 when it is not
// in the log yet.
func (s *Store) EventLeafIndex(ctx context.Context, hazardID, seq int64) (int64, string, error) {
	var row struct {
		Idx  *int64
		Hash string
	}
	err := s.r(ctx).Raw(`SELECT l.idx, e.hash FROM hazard_events e LEFT JOIN log_leaves l ON l.event_id = e.id
		WHERE e.hazard_id = ? AND e.seq = ?`, hazardID, seq).Scan(&row).Error
	if err != nil {
		return 0, "", translate("model: event leaf", err)
	}
	if row.Hash == "" {
		return 0, "", fmt.Errorf("model: event %d of hazard %d: %w", seq, hazardID, ErrNotFound)
	}
	if row.Idx == nil {
		return -1, row.Hash, nil
	}
	return *row.Idx, row.Hash, nil
}

// LoggedEvent is a leaf of the log with the event it stands for as the events
// table holds it now.
type LoggedEvent struct {
	Idx      int64
	EventID  int64
	HazardID int64
	Code     string
	Seq      int64
	Hash     string // the event's hash now
}

// LogTree recomputes the root of the log's first size leaves from the events'
// hashes as they are now (not from log_hashes), in constant memory, and
// returns it with the first leaf whose event hash no longer matches the leaf
// stored in log_hashes (nil when every one matches). A rewritten event, its
// chain recomputed to hide it, gives another root; the stored leaf, when
// log_hashes was left alone, names it.
func (s *Store) LogTree(ctx context.Context, size int64) (tlog.Hash, *LoggedEvent, error) {
	f := &frontier{hashes: map[int64]tlog.Hash{}}
	var first *LoggedEvent
	read := s.HashReader(ctx)
	for f.n < size {
		var page []LoggedEvent
		err := s.r(ctx).Raw(`SELECT l.idx, l.event_id, e.hazard_id, h.code, e.seq, e.hash
			FROM log_leaves l JOIN hazard_events e ON e.id = l.event_id JOIN hazards h ON h.id = e.hazard_id
			WHERE l.idx >= ? AND l.idx < ? ORDER BY l.idx`, f.n, min(size, f.n+2000)).Scan(&page).Error
		if err != nil {
			return tlog.Hash{}, nil, translate("model: log tree", err)
		}
		if len(page) == 0 || page[0].Idx != f.n {
			return tlog.Hash{}, first, fmt.Errorf("model: the log has no leaf %d, or not its event", f.n)
		}
		idx := make([]int64, len(page))
		for i, le := range page {
			idx[i] = tlog.StoredHashIndex(0, le.Idx)
		}
		stored, err := read.ReadHashes(idx)
		if err != nil {
			stored = nil // log_hashes lost rows: the root decides
		}
		for i := range page {
			le := &page[i]
			if le.Idx != f.n {
				return tlog.Hash{}, first, fmt.Errorf("model: the log has no leaf %d, or not its event", f.n)
			}
			data, err := EventLeaf(le.Hash)
			if err != nil {
				data = []byte(le.Hash) // still a leaf, and surely another one
			}
			if first == nil && (stored == nil || tlog.RecordHash(data) != stored[i]) {
				c := *le
				first = &c
			}
			if _, err := f.add(data); err != nil {
				return tlog.Hash{}, first, err
			}
		}
	}
	root, err := f.root()
	return root, first, err
}
