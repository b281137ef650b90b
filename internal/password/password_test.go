package password

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestHashVerify(t *testing.T) {
	p := TestParams()
	tests := []struct {
		name    string
		pw      string
		try     string
		matches bool
	}{
		{"same", "correct horse battery", "correct horse battery", true},
		{"different", "correct horse battery", "correct horse batterY", false},
		{"prefix", "correct horse battery", "correct horse", false},
		{"longer", "correct horse battery", "correct horse battery!", false},
		{"empty try", "correct horse battery", "", false},
		{"unicode", "pässwörd✓✓", "pässwörd✓✓", true},
		{"exactly min", "12345678", "12345678", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := HashWith(p, tt.pw)
			if err != nil {
				t.Fatalf("HashWith: %v", err)
			}
			ok, err := Verify(h, tt.try)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ok != tt.matches {
				t.Errorf("Verify(%q) = %v, want %v", tt.try, ok, tt.matches)
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	h, err := HashWith(Params{Memory: 128, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}, "long enough")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=128,t=3,p=2$") {
		t.Errorf("hash %q does not carry its parameters in PHC form", h)
	}
	if parts := strings.Split(h, "$"); len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("hash %q: want 16-byte salt and 32-byte key in unpadded base64", h)
	}
	h2, err := HashWith(Params{Memory: 128, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}, "long enough")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Error("two hashes of one password are equal; the salt is not random")
	}
}

func TestDefaultParams(t *testing.T) {
	h, err := Hash("a real password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Errorf("Hash = %q, want default parameters m=65536,t=2,p=2", h)
	}
	if ok, err := Verify(h, "a real password"); err != nil || !ok {
		t.Errorf("Verify = %v, %v; want true", ok, err)
	}
}

func TestHashRejects(t *testing.T) {
	tests := []struct {
		name string
		pw   string
	}{
		{"empty", ""},
		{"seven", "1234567"},
		{"seven runes in more bytes", "ééééééé"},
		{"too long", strings.Repeat("a", MaxLength+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := HashWith(TestParams(), tt.pw)
			if code := tandem.ErrorCode(err); code != tandem.EInvalid {
				t.Errorf("HashWith(%q) error %v, want code %s", tt.pw, err, tandem.EInvalid)
			}
		})
	}
}

func TestHashWeakParams(t *testing.T) {
	if _, err := HashWith(Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}, "long enough"); err == nil {
		t.Error("HashWith accepted zero passes")
	}
	if _, err := HashWith(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, "long enough"); err == nil {
		t.Error("HashWith accepted a 4-byte salt")
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, err := HashWith(TestParams(), "long enough")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"old version", strings.Replace(good, "v=19", "v=16", 1)},
		{"missing part", strings.Join(parts[:5], "$")},
		{"unknown param", strings.Replace(good, "t=1", "x=1", 1)},
		{"zero memory", strings.Replace(good, "m=64", "m=0", 1)},
		{"huge memory", strings.Replace(good, "m=64", "m=4294967295", 1)},
		{"huge time", strings.Replace(good, "t=1", "t=100000", 1)},
		{"bad salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$")},
		{"short key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Verify(tt.encoded, "long enough")
			if err == nil || ok {
				t.Errorf("Verify(%q) = %v, %v; want an error", tt.encoded, ok, err)
			}
		})
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("a real password"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGenerate(t *testing.T) {
	seen := make(map[string]bool)
	for range 20 {
		pw := Generate()
		if len(pw) < 20 {
			t.Errorf("Generate() = %q, want at least 20 characters", pw)
		}
		if seen[pw] {
			t.Errorf("Generate() repeated %q", pw)
		}
		seen[pw] = true
		h, err := HashWith(TestParams(), pw)
		if err != nil {
			t.Fatalf("a generated password is refused by Hash: %v", err)
		}
		if ok, err := Verify(h, pw); err != nil || !ok {
			t.Errorf("Verify(generated) = %v, %v", ok, err)
		}
	}
}
