package blob

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
)

// newFakeS3 starts a real S3-protocol server (gofakes3, in memory) on
// loopback and returns the config to reach it.
func newFakeS3(tb testing.TB, bucket string) (S3Config, *httptest.Server) {
	tb.Helper()
	faker := gofakes3.New(s3mem.New())
	ts := httptest.NewServer(faker.Server())
	tb.Cleanup(ts.Close)
	return S3Config{
		Endpoint:  strings.TrimPrefix(ts.URL, "http://"),
		Bucket:    bucket,
		AccessKey: "test-access",
		SecretKey: "test-secret",
		Region:    "us-east-1",
		Prefix:    "evidence/",
	}, ts
}

func TestS3(t *testing.T) {
	cfg, _ := newFakeS3(t, "hazardloop-test")
	s, err := NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	storeContract(t, s)
}

func TestS3KeyHasPrefix(t *testing.T) {
	cfg, _ := newFakeS3(t, "prefixed")
	ctx := context.Background()
	s, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("where does it go")
	sum := Sum(content)
	mustPut(t, s, sum, content)
	var keys []string
	for obj := range s.client.ListObjects(ctx, cfg.Bucket, minioListAll()) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	if len(keys) != 1 || keys[0] != "evidence/"+sum {
		t.Fatalf("keys = %q, want [evidence/%s]", keys, sum)
	}
}

func TestNewS3ExistingBucket(t *testing.T) {
	cfg, _ := newFakeS3(t, "shared")
	ctx := context.Background()
	a, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("replica a wrote this")
	mustPut(t, a, Sum(content), content)
	// A second replica starting against the same bucket sees the file.
	b, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatalf("NewS3 on an existing bucket: %v", err)
	}
	if got := mustRead(t, b, Sum(content)); string(got) != string(content) {
		t.Fatalf("replica b read %q", got)
	}
}

func TestS3PingFailsWhenServerIsDown(t *testing.T) {
	cfg, ts := newFakeS3(t, "down")
	s, err := NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Close()
	// The client retries; a readiness probe would bound it the same way.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded against a stopped server")
	}
}

func TestNewS3Config(t *testing.T) {
	if _, err := NewS3(context.Background(), S3Config{Bucket: "b"}); err == nil {
		t.Fatal("NewS3 without an endpoint succeeded")
	}
	if _, err := NewS3(context.Background(), S3Config{Endpoint: "127.0.0.1:1"}); err == nil {
		t.Fatal("NewS3 without a bucket succeeded")
	}
}

func minioListAll() minio.ListObjectsOptions { return minio.ListObjectsOptions{Recursive: true} }
