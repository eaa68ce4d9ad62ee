package citdesk_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"citdesk"
)

// The SHA-1 rows of RFC 6238 Appendix B: secret "12345678901234567890",
// eight digits.
func TestTOTPRFC6238Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		step := citdesk.TOTPStep(time.Unix(tc.unix, 0))
		if got := citdesk.HOTP(secret, uint64(step), 8); got != tc.want {
			t.Errorf("T=%d: %s, want %s", tc.unix, got, tc.want)
		}
		// Six digits are the last six of eight (the modulus is a divisor).
		if got := citdesk.TOTPCode(secret, time.Unix(tc.unix, 0)); got != tc.want[2:] {
			t.Errorf("T=%d six digits: %s, want %s", tc.unix, got, tc.want[2:])
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	step := citdesk.TOTPStep(now)
	for _, tc := range []struct {
		name     string
		at       time.Time
		lastStep int64
		ok       bool
	}{
		{"now", now, 0, true},
		{"previous step", now.Add(-30 * time.Second), 0, true},
		{"next step", now.Add(30 * time.Second), 0, true},
		{"two steps ago", now.Add(-60 * time.Second), 0, false},
		{"two steps ahead", now.Add(60 * time.Second), 0, false},
		{"replayed", now, step, false},
		{"older than last used", now.Add(-30 * time.Second), step - 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := citdesk.TOTPCode(secret, tc.at)
			got, ok := citdesk.VerifyTOTP(secret, code, now, tc.lastStep)
			if ok != tc.ok {
				t.Fatalf("VerifyTOTP(%s) = %v, want %v", code, ok, tc.ok)
			}
			if ok && got != citdesk.TOTPStep(tc.at) {
				t.Errorf("step %d, want %d", got, citdesk.TOTPStep(tc.at))
			}
		})
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := citdesk.VerifyTOTP(secret, bad, now, 0); ok {
			t.Errorf("VerifyTOTP(%q) accepted", bad)
		}
	}
}

func TestTOTPURLAndSecret(t *testing.T) {
	secret := []byte("12345678901234567890")
	enc := citdesk.EncodeTOTPSecret(secret)
	if enc != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("base32 %s", enc)
	}
	back, err := citdesk.DecodeTOTPSecret(strings.ToLower(enc[:8]) + " " + enc[8:])
	if err != nil || string(back) != string(secret) {
		t.Errorf("decode: %q %v", back, err)
	}
	u, err := url.Parse(citdesk.TOTPURL("citdesk desoto", "amy", secret))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/citdesk desoto:amy" || q.Get("secret") != enc || q.Get("issuer") != "citdesk desoto" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("otpauth URL %s", u)
	}
	s1, _ := citdesk.NewTOTPSecret()
	s2, _ := citdesk.NewTOTPSecret()
	if len(s1) != 20 || string(s1) == string(s2) {
		t.Errorf("NewTOTPSecret: %x %x", s1, s2)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := citdesk.NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 14 || c[4] != '-' || c[9] != '-' || seen[c] || citdesk.LooksLikeTOTP(c) {
			t.Errorf("code %q", c)
		}
		seen[c] = true
		if n := citdesk.NormalizeRecoveryCode(" " + strings.ToUpper(c) + " "); n != strings.ReplaceAll(c, "-", "") {
			t.Errorf("normalize %q: %q", c, n)
		}
	}
	if len(codes) != citdesk.RecoveryCodeCount {
		t.Errorf("%d codes", len(codes))
	}
}

func TestStepUpCurrentAndPolicy(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{time.Time{}, false},
		{now, true},
		{now.Add(-5 * time.Minute), true},
		{now.Add(-5*time.Minute - time.Second), false},
		{now.Add(2 * time.Hour), false},
	} {
		err := citdesk.StepUpCurrent(tc.at, now)
		if (err == nil) != tc.ok || (err != nil && citdesk.ErrorCode(err) != citdesk.ESTEPUP) {
			t.Errorf("StepUpCurrent(%v) = %v, want ok=%v", tc.at, err, tc.ok)
		}
	}
	for mfa, want := range map[string]bool{"required": true, "optional": false, "": true, "Optional": true} {
		if got := (citdesk.Policy{MFA: mfa}).MFAMandatory(); got != want {
			t.Errorf("MFA %q mandatory %v, want %v", mfa, got, want)
		}
	}
	if citdesk.DefaultPolicy().MFA != citdesk.MFARequired {
		t.Errorf("new agencies must require MFA")
	}
}
