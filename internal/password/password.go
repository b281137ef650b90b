// Package password hashes and verifies console passwords with argon2id.
//
// Hashes are PHC strings ($argon2id$v=19$m=65536,t=2,p=2$salt$hash, salt and
// hash in unpadded standard base64), so the parameters travel with each hash:
// raising the defaults later leaves old hashes verifiable.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/tandemhq/tandem"
)

// Length limits for a new password. The upper bound only keeps absurd
// inputs out; argon2 itself would take any length.
const (
	MinLength = 8    // characters
	MaxLength = 1024 // bytes
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns the parameters for real passwords: 64 MiB, two
// passes, two lanes, which takes about 40–50 ms on two cores. That is slow
// enough to make guessing expensive and fast enough for a login.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// TestParams returns cheap parameters for tests that create many users.
// Never use them for real passwords.
func TestParams() Params {
	return Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Limits on parameters read back from a stored hash, so that a corrupted or
// hostile hash cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 64
	maxSaltLen = 64
	maxKeyLen  = 128
)

// Hash returns the PHC-encoded argon2id hash of password with DefaultParams.
func Hash(password string) (string, error) {
	return HashWith(DefaultParams(), password)
}

// HashWith returns the PHC-encoded argon2id hash of password with p. A
// password shorter than MinLength characters or longer than MaxLength bytes
// is rejected with tandem.EInvalid.
func HashWith(p Params, password string) (string, error) {
	if n := utf8.RuneCountInString(password); n < MinLength {
		return "", tandem.Errorf(tandem.EInvalid, "a password needs at least %d characters", MinLength)
	}
	if len(password) > MaxLength {
		return "", tandem.Errorf(tandem.EInvalid, "a password may have at most %d bytes", MaxLength)
	}
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 || p.SaltLen < 8 || p.KeyLen < 16 {
		return "", fmt.Errorf("hash password: argon2id parameters too weak: %+v", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC-encoded hash. The
// comparison takes the same time wherever the keys differ. A malformed hash
// is an error; a wrong password is (false, nil). Verify does not apply the
// length rules of Hash: a password Hash refused can never match anyway.
func Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// errMalformed is returned for any hash Verify cannot read.
var errMalformed = errors.New("verify password: malformed argon2id hash")

// decode parses "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errMalformed
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("verify password: unsupported argon2 version %q", parts[2])
	}
	var m, t, threads uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, errMalformed
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errMalformed
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			threads = n
		default:
			return p, nil, nil, errMalformed
		}
	}
	if m == 0 || m > maxMemory || t == 0 || t > maxTime || threads == 0 || threads > 255 {
		return p, nil, nil, errMalformed
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) == 0 || len(salt) > maxSaltLen {
		return p, nil, nil, errMalformed
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, errMalformed
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

// Generate returns a new random password of 26 characters from the base32
// alphabet (130 bits), for accounts made without one; it is shown once.
func Generate() string {
	return rand.Text()
}
