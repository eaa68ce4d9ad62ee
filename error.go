// Package citdesk holds the domain of a police Crisis Intervention Team
// program: agencies, users, officers and their CIT training, crisis calls,
// assignments and the audit trail, with the service interfaces that the
// store implements. It does no I/O: it imports neither database/sql nor
// net/http, so the rules here are tested without a database or a server.
package citdesk

import (
	"errors"
	"fmt"
	"time"
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
	EUNAVAILABLE  = "storage_unavailable" // the database refuses writes (disk full, unreachable); try again later

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
	// Fields lists every wrong field when the input was checked as a
	// whole (a contact report), in the order the checks ran; the first
	// is Field and Message. Empty when only one problem was looked for.
	Fields []FieldProblem
}

// FieldProblem is one wrong field of an input and what to do about it.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
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

// FieldErrors returns every wrong field the first *Error in err's chain
// names: its Fields, or its one Field. It is nil when err names no field.
func FieldErrors(err error) []FieldProblem {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	if len(e.Fields) > 0 {
		return e.Fields
	}
	if e.Field == "" {
		return nil
	}
	return []FieldProblem{{Field: e.Field, Message: e.Message}}
}

// fieldChecks collects the problems of an input checked as a whole, at
// most one per field (the first found, as a first-error check would
// report it), so a person sees every wrong field at once.
type fieldChecks struct {
	list []FieldProblem
}

// add records err when it names a field not yet wrong; an error naming no
// field is kept too, under "".
func (c *fieldChecks) add(err error) {
	if err == nil {
		return
	}
	for _, p := range FieldErrors(err) {
		c.addf(p.Field, "%s", p.Message)
	}
	if FieldErrors(err) == nil {
		c.addf("", "%s", ErrorMessage(err))
	}
}

// addf records a problem with field unless the field is wrong already.
func (c *fieldChecks) addf(field, format string, args ...any) {
	for _, p := range c.list {
		if p.Field == field {
			return
		}
	}
	c.list = append(c.list, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// check is addf when bad holds.
func (c *fieldChecks) check(bad bool, field, format string, args ...any) {
	if bad {
		c.addf(field, format, args...)
	}
}

// err returns nil without problems, else an EINVALID *Error whose Field
// and Message are the first problem's and whose Fields are all of them.
func (c *fieldChecks) err() error {
	if len(c.list) == 0 {
		return nil
	}
	first := c.list[0]
	return &Error{Code: EINVALID, Field: first.Field, Message: first.Message, Fields: c.list}
}

// StorageFault is why the database refuses writes, as a readiness check
// reports it: a cause safe to show anyone (the disk is full, the database
// cannot be reached) and when it was first seen.
type StorageFault struct {
	Cause string
	Since time.Time
}

// Error implements the error interface.
func (f *StorageFault) Error() string { return "storage unavailable: " + f.Cause }
