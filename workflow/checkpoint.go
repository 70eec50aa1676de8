package workflow

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"hazardloop/model"
)

// Checkpoints is the transparency log (docs/design.md, "A log that cannot be
// rewritten unseen"): every event's hash a leaf of one RFC 6962 tree, signed
// checkpoints in the C2SP tlog-checkpoint format as signed notes, inclusion and
// consistency proofs. Without a signer (Options.Signer) it makes no
// checkpoints and answers that none exist.
type Checkpoints struct{ *core }

// Origin is the first line of every checkpoint: "hazardloop/" and the deployment.
func (c *Checkpoints) Origin() string {
	if c.opts.Signer == nil {
		return ""
	}
	return c.opts.Signer.Name()
}

// VerifierKey is the note verifier key's text that checks the checkpoints.
func (c *Checkpoints) VerifierKey() string { return c.opts.VerifierKey }

// OriginFor is the log's origin, and the key's name, for a deployment.
func OriginFor(deployment string) string { return "hazardloop/" + deployment }

// EnsureKey records the verifier key at first use and refuses (model.ErrKeyMismatch)
// a replica signing with another key than the one the database knows.
func (c *Checkpoints) EnsureKey(ctx context.Context) error {
	if c.opts.Signer == nil {
		return nil
	}
	return c.store.EnsureLogKey(ctx, c.Origin(), c.opts.VerifierKey, c.Now())
}

// CheckpointText is a checkpoint's body (C2SP tlog-checkpoint): origin, size
// and base64 root, one a line. tlog.FormatTree writes the same three lines
// under the checksum database's own origin, hence this twin.
func CheckpointText(origin string, size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, root)
}

// ParseCheckpointText reads a checkpoint's body (extension lines are allowed
// and ignored).
func ParseCheckpointText(text string) (origin string, size int64, root tlog.Hash, err error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return "", 0, root, errors.New("检查点格式不对：应为来源、大小、根哈希三行")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, root, errors.New("检查点格式不对：第二行应为日志大小")
	}
	b, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(b) != tlog.HashSize {
		return "", 0, root, errors.New("检查点格式不对：第三行应为根哈希（base64）")
	}
	copy(root[:], b)
	return lines[0], size, root, nil
}

func (c *Checkpoints) sign(size int64, root tlog.Hash) (string, error) {
	msg, err := note.Sign(&note.Note{Text: CheckpointText(c.Origin(), size, root)}, c.opts.Signer)
	if err != nil {
		return "", fmt.Errorf("workflow: sign checkpoint: %w", err)
	}
	return string(msg), nil
}

// Make appends every new event to the log and signs a checkpoint of it
// (hazardloop checkpoint); false when nothing was new.
func (c *Checkpoints) Make(ctx context.Context) (model.Checkpoint, bool, error) {
	if c.opts.Signer == nil {
		return model.Checkpoint{}, false, errors.New("workflow: no signing key")
	}
	return c.store.AppendLog(ctx, c.Now(), time.Time{}, c.sign)
}

// Daily makes the day's checkpoint unless one was made today (Asia/Shanghai),
// by any replica: the sweeper calls it at each tick.
func (c *Checkpoints) Daily(ctx context.Context, now time.Time) (model.Checkpoint, bool, error) {
	if c.opts.Signer == nil {
		return model.Checkpoint{}, false, nil
	}
	d := now.In(model.Shanghai)
	midnight := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, model.Shanghai)
	// A read first: the sweeper asks every minute, and on SQLite the job's
	// transaction would take the one writer each time. AppendLog asks again
	// under its lock, which is what makes the day's checkpoint single.
	if cp, ok, err := c.store.LatestCheckpoint(ctx); err != nil || ok && !cp.CreatedAt.Before(midnight) {
		return cp, false, err
	}
	return c.store.AppendLog(ctx, now, midnight, c.sign)
}

// Latest is the newest checkpoint, for the documents that print it; false when
// there is none.
func (c *Checkpoints) Latest(ctx context.Context) (model.Checkpoint, bool, error) {
	return c.store.LatestCheckpoint(ctx)
}

// List returns at most limit checkpoints below before (0: the newest first).
func (c *Checkpoints) List(ctx context.Context, a Actor, before int64, limit int) ([]model.Checkpoint, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return c.store.Checkpoints(ctx, before, limit)
}

// Get returns checkpoint n. KindNotFound when there is none.
func (c *Checkpoints) Get(ctx context.Context, a Actor, n int64) (model.Checkpoint, error) {
	cp, err := c.store.CheckpointN(ctx, n)
	return cp, notFoundOr(fmt.Sprintf("检查点 %d ", n), err)
}

// ConsistencyProof proves that checkpoint from's tree is a prefix of checkpoint
// n's: the hashes RFC 6962's consistency proof lists (tlog.ProveTree).
type ConsistencyProof struct {
	From     int64       `json:"from"`
	FromSize int64       `json:"from_size"`
	FromRoot string      `json:"from_root"`
	N        int64       `json:"n"`
	Size     int64       `json:"size"`
	Root     string      `json:"root"`
	Proof    []tlog.Hash `json:"proof"` // base64 each
}

// Consistency proves checkpoint from (older) a prefix of checkpoint n.
func (c *Checkpoints) Consistency(ctx context.Context, a Actor, n, from int64) (ConsistencyProof, error) {
	newer, err := c.Get(ctx, a, n)
	if err != nil {
		return ConsistencyProof{}, err
	}
	older, err := c.Get(ctx, a, from)
	if err != nil {
		return ConsistencyProof{}, err
	}
	if from > n {
		return ConsistencyProof{}, errInvalid(map[string]string{"from": "from 须不大于所证明的检查点编号"})
	}
	p, err := tlog.ProveTree(newer.Size, older.Size, c.store.HashReader(ctx))
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("workflow: consistency proof: %w", err)
	}
	return ConsistencyProof{From: from, FromSize: older.Size, FromRoot: older.Root, N: n, Size: newer.Size, Root: newer.Root, Proof: p}, nil
}

// InclusionProof proves that an event's hash is leaf Index of checkpoint N's tree
// (RFC 6962's audit path, tlog.ProveRecord). The leaf is the event hash's 32 bytes.
type InclusionProof struct {
	HazardID  int64       `json:"hazard_id"`
	Seq       int64       `json:"seq"`
	EventHash string      `json:"event_hash"`
	Index     int64       `json:"index"`
	N         int64       `json:"checkpoint"`
	Size      int64       `json:"size"`
	Root      string      `json:"root"`
	Proof     []tlog.Hash `json:"proof"`
}

// Inclusion proves event seq of hazard id in checkpoint n (0: the newest). Only
// staff who may read the hazard: an enterprise sees neither hashes nor
// positions of its hazard's log (Actor.Log). KindInvalid when the event is
// not in that checkpoint yet.
func (c *Checkpoints) Inclusion(ctx context.Context, a Actor, hazardID, seq, n int64) (InclusionProof, error) {
	if !a.SeesWholeLog() {
		return InclusionProof{}, errForbidden("企业用户不能查看日志的哈希与位置")
	}
	if _, err := (&Hazards{c.core}).visible(ctx, a, hazardID); err != nil {
		return InclusionProof{}, err
	}
	var cp model.Checkpoint
	var err error
	if n > 0 {
		cp, err = c.Get(ctx, a, n)
	} else {
		var ok bool
		cp, ok, err = c.store.LatestCheckpoint(ctx)
		if err == nil && !ok {
			err = errNotFound("检查点", nil)
		}
	}
	if err != nil {
		return InclusionProof{}, err
	}
	idx, hash, err := c.store.EventLeafIndex(ctx, hazardID, seq)
	if err != nil {
		return InclusionProof{}, notFoundOr(fmt.Sprintf("第%d条记录", seq), err)
	}
	if idx < 0 || idx >= cp.Size {
		return InclusionProof{}, Invalid("not_in_checkpoint", fmt.Sprintf("第%d条记录尚未记入第%d号检查点，请用更新的检查点", seq, cp.N), nil)
	}
	p, err := tlog.ProveRecord(cp.Size, idx, c.store.HashReader(ctx))
	if err != nil {
		return InclusionProof{}, fmt.Errorf("workflow: inclusion proof: %w", err)
	}
	return InclusionProof{HazardID: hazardID, Seq: seq, EventHash: hash, Index: idx, N: cp.N, Size: cp.Size, Root: cp.Root, Proof: p}, nil
}

// SavedCheckpoint is a checkpoint as saved outside (verify --checkpoint FILE):
// the JSON of GET /api/v1/checkpoints/{n}; only signed_note is trusted, and
// only once its signature checks.
type SavedCheckpoint struct {
	N          int64  `json:"n"`
	Size       int64  `json:"size"`
	Root       string `json:"root"`
	SignedNote string `json:"signed_note"`
}

// CheckpointVerdict is what VerifyCheckpoint found.
type CheckpointVerdict struct {
	OK      bool
	Size    int64
	Root    string
	Differs *model.LoggedEvent // the first event that no longer matches, when known
	Problem string
}

// VerifyCheckpoint checks the database against a checkpoint saved earlier:
// its signature with the deployment's verifier key, then the root of the
// log's first size leaves recomputed from the events' hashes as they are now.
// A mismatch names the first event whose hash differs from its leaf.
func (c *Checkpoints) VerifyCheckpoint(ctx context.Context, saved SavedCheckpoint) (CheckpointVerdict, error) {
	v, err := note.NewVerifier(c.opts.VerifierKey)
	if err != nil {
		return CheckpointVerdict{}, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open([]byte(saved.SignedNote), note.VerifierList(v))
	if err != nil {
		return CheckpointVerdict{Problem: "检查点的签名无法用本部署的公钥验证（" + err.Error() + "）"}, nil
	}
	origin, size, root, err := ParseCheckpointText(n.Text)
	if err != nil {
		return CheckpointVerdict{Problem: err.Error()}, nil
	}
	if origin != c.Origin() {
		return CheckpointVerdict{Problem: fmt.Sprintf("检查点来自 %s，不是本部署（%s）", origin, c.Origin())}, nil
	}
	verdict := CheckpointVerdict{Size: size, Root: root.String()}
	got, first, err := c.store.LogTree(ctx, size)
	if err != nil {
		verdict.Differs, verdict.Problem = first, "日志与检查点不符："+err.Error()
		return verdict, nil
	}
	if got == root {
		verdict.OK = true
		return verdict, nil
	}
	verdict.Differs = first
	if first != nil {
		verdict.Problem = fmt.Sprintf("日志前%d条的根哈希与检查点不符：隐患 %s（id %d）第%d条记录与记入日志时不同，已被改写", size, first.Code, first.HazardID, first.Seq)
	} else {
		verdict.Problem = fmt.Sprintf("日志前%d条的根哈希与检查点不符，日志本身也被改写，无法指出第一条不同的记录", size)
	}
	return verdict, nil
}

// Stamp is the latest checkpoint as the ledger export, the region-supervision
// documents and the exposure board print it (number, size, the root's first
// 16 characters, the day), so that a copy kept outside can later expose a
// rewritten past; "" when there is no checkpoint yet.
func (c *Checkpoints) Stamp(ctx context.Context) (string, error) {
	cp, ok, err := c.store.LatestCheckpoint(ctx)
	if err != nil || !ok {
		return "", err
	}
	return StampOf(cp), nil
}

// StampOf words checkpoint cp for print (see Checkpoints.Stamp).
func StampOf(cp model.Checkpoint) string {
	root := cp.Root
	if len(root) > 16 {
		root = root[:16] + "…"
	}
	return fmt.Sprintf("日志检查点第%d号：%d条记录，根哈希 %s，%s", cp.N, cp.Size, root, cp.CreatedAt.In(model.Shanghai).Format("2006-01-02"))
}
