package s3test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// client connects to the bucket of an s3:// URL of this package.
func client(t *testing.T, raw string) (*minio.Client, string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := u.User.Password()
	e := &endpoint{access: u.User.Username(), secret: secret}
	if err := e.setURL(u.Query().Get("endpoint")); err != nil {
		t.Fatal(err)
	}
	return e.client, u.Host
}

func objects(t *testing.T, c *minio.Client, bucket string) []string {
	t.Helper()
	var keys []string
	for obj := range c.ListObjectsIter(t.Context(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("listing %s: %v", bucket, obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys
}

// Each URL is a bucket of its own, empty, and gone after the test.
func TestURLGivesFreshBuckets(t *testing.T) {
	var bucket string
	var c *minio.Client
	t.Run("use", func(t *testing.T) {
		u1, u2 := URL(t), URL(t)
		c1, b1 := client(t, u1)
		_, b2 := client(t, u2)
		if b1 == b2 {
			t.Fatalf("two URLs name one bucket %s", b1)
		}
		if _, err := c1.PutObject(t.Context(), b1, "a/b", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if keys := objects(t, c1, b2); len(keys) != 0 {
			t.Errorf("new bucket holds %q", keys)
		}
		bucket, c = b1, c1
	})
	if ok, err := c.BucketExists(t.Context(), bucket); err != nil || ok {
		t.Errorf("bucket %s after its test: exists=%v, %v; want removed", bucket, ok, err)
	}
}

// A stopped server refuses connections; started again on the same port it
// has its buckets and objects back.
func TestStopStartKeepsBuckets(t *testing.T) {
	srv := Start(t)
	u := srv.URL()
	c, bucket := client(t, u)
	if _, err := c.PutObject(t.Context(), bucket, "k", strings.NewReader("v"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	addr := strings.TrimPrefix(srv.Endpoint(), "http://")
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatalf("stopped server still accepts on %s", addr)
	}
	srv.Stop() // twice is fine
	srv.Start()
	if keys := objects(t, c, bucket); len(keys) != 1 || keys[0] != "k" {
		t.Errorf("after restart the bucket holds %q, want [k]", keys)
	}
}

func TestEnvServer(t *testing.T) {
	srv := Start(t)
	u, _ := url.Parse(srv.Endpoint())
	u.User = url.UserPassword(srv.access, srv.secret)
	e, err := parseEnv(u.String())
	if err != nil {
		t.Fatalf("parseEnv(%s): %v", u.Redacted(), err)
	}
	c, bucket := client(t, e.newBucket(t, true))
	if ok, err := c.BucketExists(t.Context(), bucket); err != nil || !ok {
		t.Errorf("bucket on %s: exists=%v, %v", EnvServer, ok, err)
	}

	bad := []string{
		"127.0.0.1:7070",
		"http://127.0.0.1:7070",
		"http://key@127.0.0.1:7070",
		"ftp://key:topsecret@127.0.0.1:7070",
		"http://key:topsecret@127.0.0.1:7070/path",
	}
	wrong := *u
	wrong.User = url.UserPassword(srv.access, "topsecret")
	bad = append(bad, wrong.String())
	for _, raw := range bad {
		_, err := parseEnv(raw)
		if err == nil {
			t.Errorf("parseEnv(%q) succeeded", raw)
		} else if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("parseEnv(%q) error shows the secret: %v", raw, err)
		}
	}
}

func TestMissingBinaryNamesInstallCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findBinary("", t.TempDir()+string(os.PathListSeparator)+t.TempDir())
	if err == nil || !strings.Contains(err.Error(), InstallCommand) {
		t.Errorf("findBinary with no versitygw = %v, want the install command", err)
	}
}

// childEnv makes the test binary a child that starts the shared server,
// prints where it is, and waits to be killed.
const childEnv = "S3TEST_CHILD"

func TestChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		return // only run as the child of TestServerDiesWithProcess
	}
	URL(t)
	fmt.Printf("server %s %s\n", shared.srv.Endpoint(), shared.srv.root)
	select {}
}

// A test process killed outright (SIGKILL, no cleanup of its own) takes
// its server and the server's files with it.
func TestServerDiesWithProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Env = append(cmd.Env, EnvServer+"=") // start a server of its own
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var endpoint, root string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "server %s %s", &endpoint, &root); err == nil {
			break
		}
	}
	if endpoint == "" {
		t.Fatalf("child printed no server: %v", sc.Err())
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("server root: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The kernel tells the wrapper at once; versitygw then shuts down on
	// its own schedule, which nothing here can observe but its port.
	addr := strings.TrimPrefix(endpoint, "http://")
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.Dial("tcp", addr)
		if err != nil && errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
		if conn != nil {
			conn.Close()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("server on %s still up after its test process died", addr)
		case <-tick.C:
		}
	}
	for {
		if _, err := os.Stat(root); errors.Is(err, os.ErrNotExist) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("server files %s left after its test process died", root)
		case <-tick.C:
		}
	}
}
