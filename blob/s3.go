package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3 (or S3-compatible) bucket is.
type S3Config struct {
	Endpoint  string // host[:port], no scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	Prefix    string // prepended to the sum to form the object key, e.g. "evidence/"
	UseSSL    bool
}

// S3 is a Store in an S3 bucket, shared by every replica. An object's key
// is Prefix+sum. S3 makes an object visible only when its upload completes,
// and Put streams the body through a hash check that fails the upload
// before its last byte is sent, so a wrong or short body never lands.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

var _ Store = (*S3)(nil)

// NewS3 connects to the bucket and creates it if missing. It returns an
// error if the endpoint cannot be reached or the bucket cannot be made.
func NewS3(ctx context.Context, c S3Config) (_ *S3, err error) {
	defer wrap(&err, "blob.NewS3")
	if c.Endpoint == "" || c.Bucket == "" {
		return nil, errors.New("endpoint and bucket are required")
	}
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure: c.UseSSL,
		Region: c.Region,
	})
	if err != nil {
		return nil, err
	}
	exists, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, err
	}
	if !exists {
		err := client.MakeBucket(ctx, c.Bucket, minio.MakeBucketOptions{Region: c.Region})
		// Another replica may have made it first.
		if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
			return nil, err
		}
	}
	return &S3{client: client, bucket: c.Bucket, prefix: c.Prefix}, nil
}

func (s *S3) key(sum string) string { return s.prefix + sum }

// Put implements Store.
func (s *S3) Put(ctx context.Context, sum string, r io.Reader, size int64) (err error) {
	defer wrap(&err, "blob.S3.Put")
	if err := checkSum(sum); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrMismatch, size)
	}
	_, err = s.client.StatObject(ctx, s.bucket, s.key(sum), minio.StatObjectOptions{})
	switch {
	case err == nil:
		return nil
	case !isNotFound(err):
		return err
	}
	vr := newVerifyReader(r, sum, size)
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	if size == 0 {
		// minio-go v7.4.1 sends an empty aws-chunked body with
		// Content-Length 0, which servers refuse (411). An empty payload has
		// nothing to sign, so send it unsigned; check the sum first.
		if _, err := io.Copy(io.Discard, vr); err != nil {
			return err
		}
		vr = newVerifyReader(http.NoBody, sum, 0)
		opts.DisableContentSha256 = true
	}
	_, err = s.client.PutObject(ctx, s.bucket, s.key(sum), vr, size, opts)
	// The client may report its own error (e.g. a short body) rather than
	// ours; prefer ours, which says what was wrong with the content.
	if cerr := vr.contentError(); cerr != nil {
		return cerr
	}
	return err
}

// Open implements Store. It checks the object exists before returning, so a
// missing object is reported here as ErrNotFound, not on the first Read.
func (s *S3) Open(ctx context.Context, sum string) (_ io.ReadCloser, err error) {
	defer wrap(&err, "blob.S3.Open")
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(sum), minio.GetObjectOptions{})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
		}
		return nil, err
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
		}
		return nil, err
	}
	return obj, nil
}

// Ping implements Store: the bucket must exist and answer.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob.S3.Ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("blob.S3.Ping: bucket %q does not exist", s.bucket)
	}
	return nil
}

func isNotFound(err error) bool {
	return minio.ToErrorResponse(err).Code == minio.NoSuchKey
}
