// Package s3test gives tests buckets on a real S3-compatible server,
// versitygw (v1.8.0): the server named by TANDEM_TEST_S3, else one that the
// test process starts on 127.0.0.1 the first time a test asks and that ends
// with the process. Start gives a test a server of its own that it may stop
// and start again, for fault tests.
package s3test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// EnvServer names a running server to use instead of starting one: an
// endpoint URL with credentials that may create buckets, such as
// http://ACCESS:SECRET@127.0.0.1:7070.
const EnvServer = "TANDEM_TEST_S3"

// region is what versitygw serves by default.
const region = "us-east-1"

// opTimeout bounds each request the package makes itself.
const opTimeout = 30 * time.Second

// shared is the server of the whole test process: tests in one package
// share it, as they share the machine's PostgreSQL. It is the one piece of
// package state, because its lifetime is the process's, not a test's.
var shared struct {
	once sync.Once
	ep   *endpoint
	srv  *Server // nil when EnvServer names the server
	err  error
}

// URL returns the s3:// URL (credentials, endpoint and region included) of
// a fresh, empty bucket, removed when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() { shared.ep, shared.srv, shared.err = sharedEndpoint() })
	if shared.err != nil {
		t.Fatalf("s3test: %v", shared.err)
	}
	return shared.ep.newBucket(t, true)
}

func sharedEndpoint() (*endpoint, *Server, error) {
	if raw := os.Getenv(EnvServer); raw != "" {
		e, err := parseEnv(raw)
		return e, nil, err
	}
	dir, err := os.MkdirTemp("", "tandem-s3test-")
	if err != nil {
		return nil, nil, err
	}
	s, err := newServer(dir, true)
	if err == nil {
		err = s.startOnFreePort()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return &s.endpoint, s, nil
}

// parseEnv reads TANDEM_TEST_S3; its errors never quote the secret.
func parseEnv(raw string) (*endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s is not a URL", EnvServer)
	}
	secret, ok := u.User.Password()
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User.Username() == "" || !ok || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("%s=%s: want http://ACCESS:SECRET@HOST:PORT", EnvServer, u.Redacted())
	}
	e := &endpoint{access: u.User.Username(), secret: secret}
	if err := e.setURL(u.Scheme + "://" + u.Host); err != nil {
		return nil, fmt.Errorf("%s=%s: %v", EnvServer, u.Redacted(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := e.ping(ctx); err != nil {
		return nil, fmt.Errorf("%s=%s: %v", EnvServer, u.Redacted(), err)
	}
	return e, nil
}

// endpoint is a server and credentials that may create buckets.
type endpoint struct {
	url            string // http://host:port
	access, secret string
	client         *minio.Client
}

// setURL points the endpoint at a server, before anyone else uses it.
func (e *endpoint) setURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	e.url = raw
	e.client, err = minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(e.access, e.secret, ""),
		Secure:       u.Scheme == "https",
		Region:       region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   3,
	})
	return err
}

// ping makes one authenticated request.
func (e *endpoint) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := e.client.ListBuckets(ctx)
	return err
}

// newBucket creates a bucket of a random name and returns its URL. With
// remove, the test's cleanup empties and removes it.
func (e *endpoint) newBucket(t testing.TB, remove bool) string {
	t.Helper()
	c := e.client
	name := "tandem-test-" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: region}); err != nil {
		t.Fatalf("s3test: creating bucket %s on %s: %v", name, e.url, err)
	}
	if remove {
		t.Cleanup(func() {
			if err := removeBucket(c, name); err != nil {
				t.Errorf("s3test: removing bucket %s on %s: %v", name, e.url, err)
			}
		})
	}
	return fmt.Sprintf("s3://%s@%s?endpoint=%s&region=%s",
		url.UserPassword(e.access, e.secret), name, url.QueryEscape(e.url), region)
}

// removeBucket deletes what a test left in the bucket (objects and
// unfinished uploads), then the bucket.
func removeBucket(c *minio.Client, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for up := range c.ListIncompleteUploads(ctx, name, "", true) {
		if up.Err != nil {
			return up.Err
		}
		if err := c.RemoveIncompleteUpload(ctx, name, up.Key); err != nil {
			return err
		}
	}
	for obj := range c.ListObjectsIter(ctx, name, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return obj.Err
		}
		if err := c.RemoveObject(ctx, name, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.RemoveBucket(ctx, name)
}
