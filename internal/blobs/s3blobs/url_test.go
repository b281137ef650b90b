package s3blobs

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/s3test"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw      string
		env      map[string]string
		bucket   string
		prefix   string
		endpoint string
		custom   bool
		region   string
		timeout  time.Duration
		access   string
		secret   string
		token    string
	}{
		{raw: "s3://AK:topsecret@bucket", bucket: "bucket", endpoint: awsEndpoint, timeout: defaultTimeout, access: "AK", secret: "topsecret"},
		{raw: "s3://AK:top%2Fsecret@my.bucket/rec/ord/?endpoint=http://127.0.0.1:9000", bucket: "my.bucket", prefix: "rec/ord/",
			endpoint: "http://127.0.0.1:9000", custom: true, region: "us-east-1", timeout: defaultTimeout, access: "AK", secret: "top/secret"},
		{raw: "s3://AK:topsecret@bucket/p?endpoint=https%3A%2F%2Fs3.example.com%2F&region=eu-central-1&timeout=5s", bucket: "bucket", prefix: "p/",
			endpoint: "https://s3.example.com", custom: true, region: "eu-central-1", timeout: 5 * time.Second, access: "AK", secret: "topsecret"},
		{raw: "s3://bucket?endpoint=http://h:1", env: map[string]string{"AWS_ACCESS_KEY_ID": "EK", "AWS_SECRET_ACCESS_KEY": "topsecret", "AWS_SESSION_TOKEN": "tok", "AWS_REGION": "ap-south-1"},
			bucket: "bucket", endpoint: "http://h:1", custom: true, region: "ap-south-1", timeout: defaultTimeout, access: "EK", secret: "topsecret", token: "tok"},
		{raw: "s3://AK:topsecret@bucket?region=us-west-2", env: map[string]string{"AWS_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "EK", "AWS_SECRET_ACCESS_KEY": "other"},
			bucket: "bucket", endpoint: awsEndpoint, region: "us-west-2", timeout: defaultTimeout, access: "AK", secret: "topsecret"},
	}
	for _, tt := range tests {
		c, err := parseURL(tt.raw, env(tt.env))
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.raw, err)
			continue
		}
		v, err := c.creds.GetWithContext(nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.bucket != tt.bucket || c.prefix != tt.prefix || c.endpoint.String() != tt.endpoint || c.custom != tt.custom ||
			c.region != tt.region || c.timeout != tt.timeout || v.AccessKeyID != tt.access || v.SecretAccessKey != tt.secret || v.SessionToken != tt.token {
			t.Errorf("parseURL(%q) = bucket %q prefix %q endpoint %q custom %v region %q timeout %s creds %q/%q/%q",
				tt.raw, c.bucket, c.prefix, c.endpoint, c.custom, c.region, c.timeout, v.AccessKeyID, v.SecretAccessKey, v.SessionToken)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "EK", "AWS_SECRET_ACCESS_KEY": "topsecret"}
	tests := []struct {
		raw  string
		env  map[string]string
		want string
	}{
		{"", creds, "scheme must be s3://"},
		{"https://AK:topsecret@bucket", nil, "scheme must be s3://"},
		{"file:///tmp/blobs", nil, "scheme must be s3://"},
		{"s3:bucket", creds, "two slashes"},
		{"s3:///prefix", creds, "no bucket"},
		{"s3://AK:topsecret@", nil, "no bucket"},
		{"s3://AK:topsecret@Bad_Bucket", nil, "bucket"},
		{"s3://AK:topsecret@bu cket", nil, "invalid character"},
		{"s3://AK:topsecret@bucket/../up", nil, `prefix "../up"`},
		{"s3://AK:topsecret@bucket/a//b", nil, `prefix "a//b"`},
		{"s3://AK:topsecret@bucket#frag", nil, "fragment"},
		{"s3://AK:topsecret@bucket?bogus=1", nil, `unknown option "bogus"`},
		{"s3://AK:topsecret@bucket?Endpoint=http://h:1", nil, `unknown option "Endpoint"`},
		{"s3://AK:topsecret@bucket?region=a&region=b", nil, `"region" must be given once`},
		{"s3://AK:topsecret@bucket?region=", nil, `"region" must be given once, with a value`},
		{"s3://AK:topsecret@bucket?endpoint=%zz", nil, "query"},
		{"s3://AK:topsecret@bucket?endpoint=ftp://h", nil, "http:// or https://"},
		{"s3://AK:topsecret@bucket?endpoint=127.0.0.1:9000", nil, "http:// or https://"},
		{"s3://AK:topsecret@bucket?endpoint=http://", nil, "has no host"},
		{"s3://AK:topsecret@bucket?endpoint=http://u:topsecret@h:1", nil, "must not hold credentials"},
		{"s3://AK:topsecret@bucket?endpoint=http://h:1/path", nil, "only scheme://host[:port]"},
		{"s3://AK:topsecret@bucket?timeout=forever", nil, `timeout "forever"`},
		{"s3://AK:topsecret@bucket?timeout=1ms", nil, `timeout "1ms"`},
		{"s3://AK:topsecret@bucket?timeout=-5s", nil, `timeout "-5s"`},
		{"s3://AK@bucket", nil, "ACCESS:SECRET@"},
		{"s3://:topsecret@bucket", nil, "ACCESS:SECRET@"},
		{"s3://bucket?endpoint=http://h:1", nil, `no credentials for bucket "bucket" at http://h:1`},
		{"s3://bucket", map[string]string{"AWS_ACCESS_KEY_ID": "EK"}, "AWS_SECRET_ACCESS_KEY is not"},
		{"s3://bucket", map[string]string{"AWS_SECRET_ACCESS_KEY": "topsecret"}, "AWS_ACCESS_KEY_ID is not"},
	}
	for _, tt := range tests {
		_, err := parseURL(tt.raw, env(tt.env))
		if tandem.ErrorCode(err) != tandem.EInvalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseURL(%q) = %v, want %s error saying %q", tt.raw, err, tandem.EInvalid, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "topsecret") {
			t.Errorf("parseURL(%q) error shows the secret: %v", tt.raw, err)
		}
	}
}

// Open tells apart a missing bucket, refused credentials and an endpoint
// that is not there, naming the bucket and endpoint and never the secret.
func TestOpenErrors(t *testing.T) {
	good, err := url.Parse(s3test.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	endpoint := good.Query().Get("endpoint")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	missing := *good
	missing.Host = "no-such-bucket-here"
	wrongSecret := *good
	wrongSecret.User = url.UserPassword(good.User.Username(), "wrong-topsecret")
	unreachable := *good
	q := good.Query()
	q.Set("endpoint", closed)
	q.Set("timeout", "2s")
	unreachable.RawQuery = q.Encode()

	tests := []struct {
		name string
		u    *url.URL
		want []string
	}{
		{"missing bucket", &missing, []string{`bucket "no-such-bucket-here"`, endpoint, "does not exist"}},
		{"wrong secret", &wrongSecret, []string{good.Host, endpoint, "cannot use"}},
		{"unreachable endpoint", &unreachable, []string{good.Host, closed, "cannot use"}},
	}
	for _, tt := range tests {
		s, err := Open(t.Context(), tt.u.String())
		if err == nil {
			s.Close()
			t.Errorf("%s: Open succeeded", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Open error %q does not say %q", tt.name, err, w)
			}
		}
		if secret, _ := tt.u.User.Password(); strings.Contains(err.Error(), secret) {
			t.Errorf("%s: Open error shows the secret: %v", tt.name, err)
		}
	}
}

// Credentials may come from the environment instead of the URL.
func TestOpenWithEnvironmentCredentials(t *testing.T) {
	u, err := url.Parse(s3test.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := u.User.Password()
	t.Setenv("AWS_ACCESS_KEY_ID", u.User.Username())
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	u.User = nil
	s := open(t, u.String())
	if err := s.Put(t.Context(), "k", strings.NewReader("v")); err != nil {
		t.Fatalf("Put: %v", err)
	}
}
