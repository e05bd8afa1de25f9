package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"zhucan/valid"
)

// ErrTypeRefused is the application error type of an Update the
// workflow refuses; its details carry a Refusal.
const ErrTypeRefused = "Refused"

// Refusal codes, which the API maps to HTTP statuses.
const (
	// CodeForbidden: the caller may not do this (403).
	CodeForbidden = "forbidden"
	// CodeState: not possible in the purchase's current state or time (409).
	CodeState = "state"
	// CodeInvalid: the input breaks a rule (422).
	CodeInvalid = "invalid"
)

// Refusal says why the workflow refused an Update, in both languages.
type Refusal struct {
	// Code is forbidden, state or invalid.
	Code string `json:"code"`
	// Field names the offending input field, if any.
	Field string `json:"field,omitempty"`
	// ZH is the Chinese reason.
	ZH string `json:"zh"`
	// EN is the English reason.
	EN string `json:"en"`
}

func refuse(code, field, zh, en string, args ...any) error {
	return Refusal{Code: code, Field: field, ZH: fmt.Sprintf(zh, args...), EN: fmt.Sprintf(en, args...)}.err()
}

// err wraps r as the non-retryable application error an Update answers.
func (r Refusal) err() error {
	return temporal.NewApplicationErrorWithOptions(r.EN, ErrTypeRefused, temporal.ApplicationErrorOptions{
		NonRetryable: true, Details: []any{r},
	})
}

// AsRefusal extracts the Refusal from an Update's error, if it is one.
func AsRefusal(err error) (Refusal, bool) {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != ErrTypeRefused {
		return Refusal{}, false
	}
	var r Refusal
	if ae.HasDetails() && ae.Details(&r) == nil {
		return r, true
	}
	return Refusal{Code: CodeInvalid, ZH: ae.Message(), EN: ae.Message()}, true
}

// refusal turns a rule's field errors into a Refusal of field (CodeInvalid).
func refusal(field string, err error) error {
	if err == nil {
		return nil
	}
	r := Refusal{Code: CodeInvalid, Field: field, ZH: err.Error(), EN: err.Error()}
	if errs, ok := valid.As(err); ok && len(errs) > 0 {
		r.ZH, r.EN = errs[0].Message, errs[0].MessageEN
	}
	return r.err()
}
