package idp

import (
	"errors"
	"fmt"
)

// Code is the name of a Cognito exception shape, such as
// "NotAuthorizedException". The constants are generated from the AWS model
// into codes_gen.go.
type Code string

// Error is what the domain returns for every failure a caller should see.
// Message is in Cognito's words; Err is the cause, logged and never sent.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode and ErrorMessage let wire layers map the error without knowing
// this package's types.
func (e *Error) ErrorCode() string    { return string(e.Code) }
func (e *Error) ErrorMessage() string { return e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
