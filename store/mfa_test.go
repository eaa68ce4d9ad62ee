package store_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// totpSecret reads the secret from an otpauth URL, as a phone would.
func totpSecret(t *testing.T, e *citdesk.TOTPEnrolment) []byte {
	t.Helper()
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := citdesk.DecodeTOTPSecret(u.Query().Get("secret"))
	if err != nil || u.Query().Get("secret") != e.Secret {
		t.Fatalf("secret in %s: %v", e.URL, err)
	}
	return secret
}

// enrolTOTP enrols an authenticator app for the signed-in user of ctx
// and returns its secret, as the phone keeps it.
func enrolTOTP(t *testing.T, mfa citdesk.MFAService, ctx context.Context, clock citdesk.Clock) []byte {
	t.Helper()
	enrol, err := mfa.BeginTOTP(ctx, "citdesk")
	if err != nil {
		t.Fatal(err)
	}
	secret := totpSecret(t, enrol)
	if _, err := mfa.ConfirmTOTP(ctx, citdesk.TOTPCode(secret, clock.Now())); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		dsn := storetest.DSN(t, e)
		db := openDSN(t, dsn)
		clock := db.Clock.(*citdesk.FakeClock)
		_, op := storetest.AgencyMFA(t, db, "desoto", citdesk.MFARequired)
		storetest.User(t, db, op, "root", citdesk.RoleAdmin)
		amy, amyCtx := storetest.User(t, db, op, "amy", citdesk.RoleDispatcher)
		users, mfa := db.UserService(), db.MFAService()
		ctx := context.Background()
		withCode := func(code string) context.Context { return citdesk.NewContextWithSecondFactor(ctx, code) }

		// Required policy, no factor yet: a token is refused, a browser
		// sign-in gets a challenge that leads to enrolment.
		_, _, _, err := users.Authenticate(ctx, "amy", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EMFAENROL)
		_, _, _, err = users.Authenticate(ctx, "amy", storetest.TestPassword, citdesk.SessionCookie)
		var ch *citdesk.SignInChallenge
		if !errors.As(err, &ch) || citdesk.ErrorCode(err) != citdesk.EMFAENROL || ch.Secret == "" {
			t.Fatalf("cookie sign-in without factor: %v", err)
		}
		pending, err := mfa.PendingSignIn(ctx, ch.Secret)
		if err != nil || !pending.Enrol || pending.User.ID != amy.ID {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		enrol, err := mfa.BeginSignInTOTP(ctx, ch.Secret, "citdesk")
		if err != nil {
			t.Fatal(err)
		}
		secret := totpSecret(t, enrol)
		if _, err := mfa.CompleteSignIn(ctx, ch.Secret, "000000", nil); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Fatalf("wrong enrolment code: %v", err)
		}
		res, err := mfa.CompleteSignIn(ctx, ch.Secret, citdesk.TOTPCode(secret, clock.Now()), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.RecoveryCodes) != 10 || res.Secret == "" || res.User.ID != amy.ID {
			t.Fatalf("enrolled sign-in: %+v", res)
		}
		if _, _, err := users.FindSession(ctx, res.Secret); err != nil {
			t.Fatalf("session after enrolment: %v", err)
		}
		if _, err := mfa.CompleteSignIn(ctx, ch.Secret, citdesk.TOTPCode(secret, clock.Now()), nil); citdesk.ErrorCode(err) != citdesk.EUNAUTHORIZED {
			t.Fatalf("challenge used twice: %v", err)
		}

		// The secret is not in the database in plain text.
		var stored string
		if err := storetest.Raw(t, dsn).QueryRow(`SELECT secret FROM mfa_totp`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, enrol.Secret) {
			t.Errorf("stored secret %q", stored)
		}

		// Enrolled: a token needs the code; the same code is not taken twice.
		_, _, _, err = users.Authenticate(ctx, "amy", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EMFAREQUIRED)
		clock.Advance(30 * time.Second)
		code := citdesk.TOTPCode(secret, clock.Now())
		if _, _, _, err := users.Authenticate(withCode(code), "amy", storetest.TestPassword, citdesk.SessionToken); err != nil {
			t.Fatalf("token with otp: %v", err)
		}
		_, _, _, err = users.Authenticate(withCode(code), "amy", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EUNAUTHORIZED)
		// A wrong code with the right password counts towards the lockout.
		for range 4 {
			_, _, _, err = users.Authenticate(withCode("123456"), "amy", storetest.TestPassword, citdesk.SessionToken)
			wantCode(t, err, citdesk.EUNAUTHORIZED)
		}
		// Locked: even the right code is refused, with the same answer as a
		// wrong password (the refusals do not say which).
		_, _, _, err = users.Authenticate(withCode(citdesk.TOTPCode(secret, clock.Now().Add(30*time.Second))), "amy", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EUNAUTHORIZED)
		clock.Advance(11 * time.Minute)

		// A recovery code works once.
		rc := res.RecoveryCodes[3]
		if _, _, _, err := users.Authenticate(withCode(strings.ToUpper(rc)), "amy", storetest.TestPassword, citdesk.SessionToken); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		_, _, _, err = users.Authenticate(withCode(rc), "amy", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EUNAUTHORIZED)
		st, err := mfa.Status(amyCtx)
		if err != nil || !st.TOTP || st.RecoveryCodesLeft != 9 || !st.Required {
			t.Fatalf("status %+v %v", st, err)
		}

		// Step-up: the sign-in counts; five minutes later it needs both again.
		clock.Advance(time.Minute)
		_, _, tok, err := users.Authenticate(withCode(citdesk.TOTPCode(secret, clock.Now())), "amy", storetest.TestPassword, citdesk.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		at, err := mfa.SteppedUpAt(amyCtx, tok)
		if err != nil || citdesk.StepUpCurrent(at, clock.Now()) != nil {
			t.Fatalf("stepped up at sign-in: %v %v", at, err)
		}
		clock.Advance(6 * time.Minute)
		at, _ = mfa.SteppedUpAt(amyCtx, tok)
		if citdesk.StepUpCurrent(at, clock.Now()) == nil {
			t.Fatal("step-up still current after 6 minutes")
		}
		wantCode(t, mfa.StepUp(amyCtx, tok, storetest.TestPassword, "", false), citdesk.EMFAREQUIRED)
		wantCode(t, mfa.StepUp(amyCtx, tok, "not the password", citdesk.TOTPCode(secret, clock.Now()), false), citdesk.EUNAUTHORIZED)
		if err := mfa.StepUp(amyCtx, tok, storetest.TestPassword, citdesk.TOTPCode(secret, clock.Now()), false); err != nil {
			t.Fatal(err)
		}
		at, _ = mfa.SteppedUpAt(amyCtx, tok)
		if err := citdesk.StepUpCurrent(at, clock.Now()); err != nil {
			t.Fatal(err)
		}

		// Only an admin resets factors; the reset ends the user's sessions.
		wantCode(t, mfa.ResetFactors(amyCtx, amy.ID), citdesk.EFORBIDDEN)
		if err := mfa.ResetFactors(op, amy.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := users.FindSession(ctx, tok); err == nil {
			t.Error("session survived a factor reset")
		}
		_, _, _, err = users.Authenticate(withCode(rc), "amy", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EMFAENROL)
		events, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: "user.mfa.reset"})
		if err != nil || len(events) != 1 {
			t.Fatalf("reset audit: %v %v", events, err)
		}
	})
}

func TestSecondFactorOptionalPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, clock := storetest.Open(t, e)
		_, op := storetest.Agency(t, db, "demo")
		_, bobCtx := storetest.User(t, db, op, "bob", citdesk.RoleAnalyst)
		users, mfa := db.UserService(), db.MFAService()
		ctx := context.Background()
		if _, _, _, err := users.Authenticate(ctx, "bob", storetest.TestPassword, citdesk.SessionToken); err != nil {
			t.Fatalf("optional policy, no factor: %v", err)
		}
		// Bob enrols on his own; from then on his code is needed.
		enrol, err := mfa.BeginTOTP(bobCtx, "citdesk")
		if err != nil {
			t.Fatal(err)
		}
		secret := totpSecret(t, enrol)
		if _, err := mfa.ConfirmTOTP(bobCtx, "999999"); citdesk.ErrorField(err) != "code" {
			t.Fatalf("wrong confirm code: %v", err)
		}
		codes, err := mfa.ConfirmTOTP(bobCtx, citdesk.TOTPCode(secret, clock.Now()))
		if err != nil || len(codes) != 10 {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		_, _, _, err = users.Authenticate(ctx, "bob", storetest.TestPassword, citdesk.SessionToken)
		wantCode(t, err, citdesk.EMFAREQUIRED)
	})
}

// TestSignInBesideNewPhone: on PostgreSQL, a user confirming a new phone
// (which holds their second factor's row, then writes recovery codes that
// refer to the user) and the same user signing in with a code (which holds
// the user's row, then reads the second factor) at the same moment both
// finish. With the sign-in holding the user's row FOR UPDATE, the two
// deadlocked and the sign-in failed with an internal error; the failed
// read of the factor was also taken for a wrong code.
func TestSignInBesideNewPhone(t *testing.T) {
	db, clock := storetest.Open(t, storetest.Postgres) // skips without CITDESK_TEST_POSTGRES
	_, op := storetest.Agency(t, db, "desoto")
	bob, bobCtx := storetest.User(t, db, op, "bob", citdesk.RoleAnalyst)
	mfa, ctx := db.MFAService(), context.Background()
	old := enrolTOTP(t, mfa, bobCtx, clock)
	clock.Advance(time.Minute)
	second, err := mfa.BeginTOTP(bobCtx, "citdesk") // the old phone works until the new one is confirmed
	if err != nil {
		t.Fatal(err)
	}
	newer := totpSecret(t, second)
	clock.Advance(time.Minute)

	// Another transaction holds the factor's row while the confirmation
	// and then the sign-in queue behind it, so that they meet.
	raw := storetest.Raw(t, db.TestDSN())
	release := holdRow(t, raw, `SELECT user_id FROM mfa_totp WHERE user_id = $1 FOR UPDATE`, bob.ID)
	confirmed := make(chan error, 1)
	go func() {
		_, err := mfa.ConfirmTOTP(bobCtx, citdesk.TOTPCode(newer, clock.Now()))
		confirmed <- err
	}()
	waitForLockWaiters(t, raw, 1)
	signedIn := make(chan error, 1)
	go func() {
		_, _, _, err := db.UserService().Authenticate(citdesk.NewContextWithSecondFactor(ctx, citdesk.TOTPCode(old, clock.Now())), "bob", storetest.TestPassword, citdesk.SessionToken)
		signedIn <- err
	}()
	waitForLockWaiters(t, raw, 2)
	release()
	if err := <-confirmed; err != nil {
		t.Errorf("confirming the new phone: %v", err)
	}
	// The sign-in comes after the confirmation: the old phone's code is
	// now wrong, and that is all it is.
	wantCode(t, <-signedIn, citdesk.EUNAUTHORIZED)
	// The new phone signs in.
	clock.Advance(time.Minute)
	if _, _, _, err := db.UserService().Authenticate(citdesk.NewContextWithSecondFactor(ctx, citdesk.TOTPCode(newer, clock.Now())), "bob", storetest.TestPassword, citdesk.SessionToken); err != nil {
		t.Errorf("signing in with the new phone: %v", err)
	}
}

// TestParallelWrongCodesLock: on PostgreSQL, wrong codes sent at once to
// the second step of a browser sign-in each count towards the lockout,
// as wrong passwords do (TestParallelWrongPasswordsLock): the attempts
// wait on the user's row, held by another transaction, then go together.
// Before, each read the same failure count and wrote it plus one.
func TestParallelWrongCodesLock(t *testing.T) {
	db, clock := storetest.Open(t, storetest.Postgres) // skips without CITDESK_TEST_POSTGRES
	op := lockoutAgency(t, db)
	sam, samCtx := storetest.User(t, db, op, "sam", citdesk.RoleAnalyst)
	users, mfa, ctx := db.UserService(), db.MFAService(), context.Background()
	secret := enrolTOTP(t, mfa, samCtx, clock)
	clock.Advance(time.Minute)
	const attempts = 3
	var challenges []string
	for range attempts {
		_, _, _, err := users.Authenticate(ctx, "sam", storetest.TestPassword, citdesk.SessionCookie)
		var ch *citdesk.SignInChallenge
		if !errors.As(err, &ch) || ch.Secret == "" {
			t.Fatalf("browser sign-in with a factor: %v", err)
		}
		challenges = append(challenges, ch.Secret)
	}

	raw := storetest.Raw(t, db.TestDSN())
	release := holdRow(t, raw, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, sam.ID)
	done := make(chan error, attempts)
	for _, ch := range challenges {
		go func() {
			_, err := mfa.CompleteSignIn(ctx, ch, "123456", nil)
			done <- err
		}()
	}
	waitForLockWaiters(t, raw, attempts)
	release()
	for range attempts {
		wantCode(t, <-done, citdesk.EUNAUTHORIZED)
	}
	// Locked: the right password and code are refused.
	clock.Advance(time.Minute)
	_, _, _, err := users.Authenticate(citdesk.NewContextWithSecondFactor(ctx, citdesk.TOTPCode(secret, clock.Now())), "sam", storetest.TestPassword, citdesk.SessionToken)
	wantCode(t, err, citdesk.EUNAUTHORIZED)
}

// TestParallelWrongCodesEndChallenge: on PostgreSQL, wrong codes sent at
// once to one pending browser sign-in end it after challengeAttempts (5),
// as wrong codes sent one after another do: each reads the challenge's
// attempt count again once it holds the user's row. Read before the lock,
// every code saw no attempts yet, none ended the challenge, and the
// right code still signed in on it after seven wrong ones. The lockout is
// set high, so the count is the challenge's alone.
func TestParallelWrongCodesEndChallenge(t *testing.T) {
	db, clock := storetest.Open(t, storetest.Postgres) // skips without CITDESK_TEST_POSTGRES
	a, op := storetest.Agency(t, db, "desoto")
	p := a.Policy
	p.LockoutAttempts = 20
	if err := db.AgencyService().UpdatePolicy(op, a.ID, p); err != nil {
		t.Fatal(err)
	}
	sam, samCtx := storetest.User(t, db, op, "sam", citdesk.RoleAnalyst)
	users, mfa, ctx := db.UserService(), db.MFAService(), context.Background()
	secret := enrolTOTP(t, mfa, samCtx, clock)
	clock.Advance(time.Minute)
	_, _, _, err := users.Authenticate(ctx, "sam", storetest.TestPassword, citdesk.SessionCookie)
	var ch *citdesk.SignInChallenge
	if !errors.As(err, &ch) || ch.Secret == "" {
		t.Fatalf("browser sign-in with a factor: %v", err)
	}

	const attempts = 7
	raw := storetest.Raw(t, db.TestDSN())
	release := holdRow(t, raw, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, sam.ID)
	done := make(chan error, attempts)
	for range attempts {
		go func() {
			_, err := mfa.CompleteSignIn(ctx, ch.Secret, "123456", nil)
			done <- err
		}()
	}
	waitForLockWaiters(t, raw, attempts)
	release()
	gone := 0
	for range attempts {
		err := <-done
		wantCode(t, err, citdesk.EUNAUTHORIZED)
		if strings.Contains(err.Error(), "expired") {
			gone++
		}
	}
	// The fifth wrong code ends the sign-in; the sixth and seventh find
	// it gone.
	if gone != attempts-4 {
		t.Errorf("%d of %d wrong codes were told the sign-in had ended, want %d", gone, attempts, attempts-4)
	}
	_, err = mfa.CompleteSignIn(ctx, ch.Secret, citdesk.TOTPCode(secret, clock.Now()), nil)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("the right code after %d wrong ones: %v, want the sign-in ended", attempts, err)
	}
}
