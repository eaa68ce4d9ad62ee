// Package citdesk holds the domain of a police Crisis Intervention Team
// program: agencies, users, officers and their CIT training, crisis calls,
// assignments and the audit trail, with the service interfaces that the
// store implements. It does no I/O: it imports neither database/sql nor
// net/http, so the rules here are tested without a database or a server.
package citdesk

import (
	"errors"
	"fmt"
)

// Error codes. The web layer maps each one to an HTTP status.
const (
	EINVALID      = "invalid"             // the input is wrong; Field says which part
	ENOTFOUND     = "not_found"           // no such record (or not visible to the caller)
	ECONFLICT     = "conflict"            // the change clashes with the current state
	EFORBIDDEN    = "forbidden"           // signed in, but not allowed
	EUNAUTHORIZED = "unauthorized"        // not signed in, or the credentials are wrong
	ELOCKED       = "locked"              // the account is locked after failed sign-ins
	EPRECONDITION = "precondition_failed" // a stale row version (If-Match)
	ETOOLARGE     = "too_large"           // the request body is over the limit
	ERATELIMIT    = "rate_limited"        // too many requests from one place
	EINTERNAL     = "internal"            // a bug or an outage; the message is generic

	// Second factor (mfa.go). The password was right, but more is needed.
	EMFAREQUIRED = "mfa_required"           // send the second factor (otp) as well
	EMFAENROL    = "mfa_enrolment_required" // the agency requires a second factor and the user has none yet
	ESTEPUP      = "step_up_required"       // re-enter password and second factor (POST /api/v1/me/step-up) first
)

// Error is citdesk's error: a code for programs, a message safe to show a
// person, and, for invalid input, the field that is wrong.
type Error struct {
	Code    string
	Message string
	Field   string // JSON name of the offending field, when there is one
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("citdesk error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("citdesk error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, and a
// generic message for any other error, so causes never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
