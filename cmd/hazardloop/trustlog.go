package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hazardloop/model"
	"hazardloop/workflow"
)

// signingKey reads the note signer key of --signing-key, or keeps one of its own
// in <data-dir>/signing.key (made once, 0600), named after the deployment; it
// returns the signer and its verifier key's text. Several replicas must share
// one key: the database records the first key's verifier, and a replica with
// another refuses to start (workflow.Checkpoints.EnsureKey).
func signingKey(cfg *config, create bool) (note.Signer, string, error) {
	path := cfg.SigningKey
	if path == "" {
		path = filepath.Join(cfg.DataDir, "signing.key")
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && cfg.SigningKey == "" && create:
		skey, _, err := note.GenerateKey(rand.Reader, workflow.OriginFor(cmp.Or(cfg.Deployment, "default")))
		if err != nil {
			return nil, "", err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, "", fmt.Errorf("keep signing key: %w", err)
		}
		if _, err := f.WriteString(skey + "\n"); err != nil {
			f.Close()
			return nil, "", fmt.Errorf("keep signing key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, "", fmt.Errorf("keep signing key: %w", err)
		}
		b = []byte(skey)
	case errors.Is(err, os.ErrNotExist) && !create:
		return nil, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("signing key: %w", err)
	}
	skey := strings.TrimSpace(string(b))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("signing key %s: %w (want the text of a note signer key, PRIVATE+KEY+…)", path, err)
	}
	if cfg.Deployment != "" && signer.Name() != workflow.OriginFor(cfg.Deployment) {
		return nil, "", fmt.Errorf("signing key %s is named %q, but --deployment %q wants %q", path, signer.Name(), cfg.Deployment, workflow.OriginFor(cfg.Deployment))
	}
	vkey, err := verifierOf(skey, signer.Name())
	if err != nil {
		return nil, "", fmt.Errorf("signing key %s: %w", path, err)
	}
	return signer, vkey, nil
}

// verifierOf derives the verifier key's text from an Ed25519 signer key's
// (PRIVATE+KEY+name+hash+base64(0x01 || seed)); note offers no such function.
func verifierOf(skey, name string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("malformed signer key")
	}
	k, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(k) != 1+ed25519.SeedSize || k[0] != 1 {
		return "", errors.New("not an Ed25519 signer key")
	}
	pub := ed25519.NewKeyFromSeed(k[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(name, pub)
}

// namedCheck is a chain verify checks beside the hazards'.
type namedCheck struct {
	name string
	fn   func(context.Context) (model.ChainReport, error)
}

// extraChecks are the other hash chains hazardloop verify checks: the audit
// log of accounts and settings.
func extraChecks(store *model.Store) []namedCheck {
	return []namedCheck{{"审计日志 (audit log)", store.VerifyAudit}}
}

// runVerify checks every hazard's chain and head, the extra chains, and,
// given --checkpoint FILE, the log against a checkpoint saved earlier. It
// prints a summary and returns an error (exit 1) naming the first break.
func runVerify(ctx context.Context, cfg *config, store *model.Store, svc *workflow.Services, checks []namedCheck, stdout io.Writer) error {
	start := time.Now()
	rep, err := store.VerifyAll(ctx)
	if err != nil {
		return err
	}
	var broken []string
	fmt.Fprintf(stdout, "已核验 %d 条隐患的日志，共 %d 条记录（checked %d hazard chains, %d events）\n", rep.Hazards, rep.Events, rep.Hazards, rep.Events)
	for _, b := range rep.Broken {
		line := fmt.Sprintf("隐患 %s（id %d）第%d条记录：%s（hazard %s, id %d, seq %d）", b.Code, b.HazardID, b.BrokenAt, b.Problem, b.Code, b.HazardID, b.BrokenAt)
		fmt.Fprintln(stdout, "  损坏 BROKEN:", line)
		broken = append(broken, line)
	}
	if rep.BrokenCount > int64(len(rep.Broken)) {
		fmt.Fprintf(stdout, "  …另有 %d 条隐患的日志损坏（and %d more）\n", rep.BrokenCount-int64(len(rep.Broken)), rep.BrokenCount-int64(len(rep.Broken)))
	}
	for _, c := range checks {
		r, err := c.fn(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if r.OK {
			fmt.Fprintf(stdout, "%s：完好，%d 条记录（intact, %d entries）\n", c.name, r.Events, r.Events)
			continue
		}
		line := fmt.Sprintf("%s第%d条记录：%s（%s broken at %d）", c.name, r.BrokenAt, r.Problem, c.name, r.BrokenAt)
		fmt.Fprintln(stdout, "  损坏 BROKEN:", line)
		broken = append(broken, line)
	}
	if cfg.Checkpoint != "" {
		b, err := os.ReadFile(cfg.Checkpoint)
		if err != nil {
			return fmt.Errorf("--checkpoint: %w", err)
		}
		// The JSON of a checkpoint (an entry of GET /api/v1/checkpoints), or the
		// signed note itself (GET /api/v1/checkpoints/{n}).
		var saved workflow.SavedCheckpoint
		if err := json.Unmarshal(b, &saved); err != nil {
			saved.SignedNote = string(b)
		}
		if saved.SignedNote == "" {
			return fmt.Errorf("--checkpoint %s: not a saved checkpoint (an entry of GET /api/v1/checkpoints, with signed_note)", cfg.Checkpoint)
		}
		v, err := svc.Checkpoints.VerifyCheckpoint(ctx, saved)
		if err != nil {
			return err
		}
		if v.OK {
			fmt.Fprintf(stdout, "日志与检查点相符：前 %d 条，根哈希 %s（log matches the checkpoint）\n", v.Size, v.Root)
		} else {
			line := v.Problem
			if d := v.Differs; d != nil {
				line += fmt.Sprintf("（first differing event: hazard %s, id %d, seq %d, log index %d）", d.Code, d.HazardID, d.Seq, d.Idx)
			}
			fmt.Fprintln(stdout, "  不符 MISMATCH:", line)
			broken = append(broken, line)
		}
	}
	fmt.Fprintf(stdout, "用时 %s（took %s）\n", time.Since(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if len(broken) > 0 {
		return fmt.Errorf("核验未通过（verify failed）：%s", broken[0])
	}
	fmt.Fprintln(stdout, "全部完好（all intact）")
	return nil
}

// runCheckpoint appends the new events to the log and signs a checkpoint now.
func runCheckpoint(ctx context.Context, svc *workflow.Services, stdout io.Writer) error {
	cp, made, err := svc.Checkpoints.Make(ctx)
	if err != nil {
		return err
	}
	if cp.N == 0 {
		fmt.Fprintln(stdout, "日志为空，未签检查点（the log is empty: no checkpoint）")
		return nil
	}
	if !made {
		fmt.Fprintf(stdout, "没有新记录，最新检查点仍为第 %d 号（no new events）\n", cp.N)
	} else {
		fmt.Fprintf(stdout, "已签第 %d 号检查点（checkpoint %d signed）\n", cp.N, cp.N)
	}
	fmt.Fprint(stdout, cp.SignedNote)
	return nil
}
