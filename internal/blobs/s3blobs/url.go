package s3blobs

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// Defaults and bounds of the URL's options.
const (
	// awsEndpoint is used when the URL names no endpoint.
	awsEndpoint = "https://s3.amazonaws.com"
	// customRegion signs requests to an endpoint of one's own, where the
	// region is rarely meaningful and us-east-1 is what servers expect.
	customRegion   = "us-east-1"
	defaultTimeout = 30 * time.Second
	minTimeout     = 100 * time.Millisecond
	maxTimeout     = 10 * time.Minute
)

// knownOptions are the query parameters an s3:// URL may carry.
var knownOptions = []string{"endpoint", "region", "timeout"}

// config is what an s3:// URL says.
type config struct {
	bucket   string
	prefix   string   // "" or a valid key followed by "/"
	endpoint *url.URL // scheme and host only
	custom   bool     // endpoint given in the URL: path-style addressing
	region   string   // "" lets the client ask AWS for the bucket's region
	creds    *credentials.Credentials
	timeout  time.Duration
}

// where names the bucket and endpoint for error messages; it never holds a
// credential.
func (c *config) where() string {
	return fmt.Sprintf("bucket %q at %s", c.bucket, c.endpoint)
}

// parseURL reads s3://[ACCESS:SECRET@]bucket[/prefix][?endpoint=…&region=…&timeout=…].
// Credentials missing from the URL come from getenv (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); so does AWS_REGION. Errors are
// *tandem.Error with code EInvalid, and never quote the URL whole: it may
// hold a secret.
func parseURL(raw string, getenv func(string) string) (*config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error quotes the whole URL, secret included
		}
		return nil, bad("%v", err)
	}
	if u.Scheme != "s3" {
		return nil, bad("the scheme must be s3://, not %q", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, bad("write s3://bucket, with two slashes")
	}
	if u.Fragment != "" {
		return nil, bad("a fragment (#…) means nothing here")
	}
	c := &config{bucket: u.Host, timeout: defaultTimeout}
	if c.bucket == "" {
		return nil, bad("no bucket: write s3://bucket/optional/prefix")
	}
	if err := s3utils.CheckValidBucketNameStrict(c.bucket); err != nil {
		return nil, bad("bucket %q: %v", c.bucket, err)
	}
	if p := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/"); p != "" {
		if err := blobs.ValidKey(p); err != nil {
			return nil, bad("prefix %q: %s", p, tandem.ErrorMessage(err))
		}
		c.prefix = p + "/"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("query: %v", err)
	}
	for name, vals := range q {
		if !slices.Contains(knownOptions, name) {
			return nil, bad("unknown option %q (known: %s)", name, strings.Join(knownOptions, ", "))
		}
		if len(vals) != 1 || vals[0] == "" {
			return nil, bad("option %q must be given once, with a value", name)
		}
	}
	if err := c.parseEndpoint(q.Get("endpoint")); err != nil {
		return nil, err
	}
	c.region = q.Get("region")
	if c.region == "" {
		c.region = getenv("AWS_REGION")
	}
	if c.region == "" && c.custom {
		c.region = customRegion
	}
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d < minTimeout || d > maxTimeout {
			return nil, bad("timeout %q: want a duration from %s to %s, such as 30s", t, minTimeout, maxTimeout)
		}
		c.timeout = d
	}
	if err := c.parseCredentials(u.User, getenv); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *config) parseEndpoint(raw string) error {
	if raw == "" {
		raw = awsEndpoint
	} else {
		c.custom = true
	}
	if !strings.HasPrefix(raw, "http://") && !strings.HasPrefix(raw, "https://") {
		return bad("endpoint must start with http:// or https://")
	}
	e, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return bad("endpoint: %v", err)
	}
	switch {
	case e.User != nil:
		return bad("the endpoint must not hold credentials: write s3://ACCESS:SECRET@bucket?endpoint=…")
	case e.Host == "" || e.Hostname() == "":
		return bad("endpoint %q has no host", e.Redacted())
	case e.Path != "" && e.Path != "/", e.RawQuery != "", e.Fragment != "":
		return bad("endpoint %q must be only scheme://host[:port]", e.Redacted())
	}
	c.endpoint = &url.URL{Scheme: e.Scheme, Host: e.Host}
	return nil
}

func (c *config) parseCredentials(user *url.Userinfo, getenv func(string) string) error {
	if user != nil {
		secret, ok := user.Password()
		if user.Username() == "" || !ok || secret == "" {
			return bad("credentials in the URL must be ACCESS:SECRET@ (percent-encode any / ? # or @ in them)")
		}
		c.creds = credentials.NewStaticV4(user.Username(), secret, "")
		return nil
	}
	access, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case access == "" && secret == "":
		return bad("no credentials for %s: give ACCESS:SECRET@ in the URL or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", c.where())
	case access == "":
		return bad("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	case secret == "":
		return bad("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	}
	c.creds = credentials.NewStaticV4(access, secret, getenv("AWS_SESSION_TOKEN"))
	return nil
}

func bad(format string, args ...any) error {
	return tandem.Errorf(tandem.EInvalid, "bad s3 URL: "+format, args...)
}
