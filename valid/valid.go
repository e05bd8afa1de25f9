// Package valid owns input validation: it wraps go-playground/validator with
// JSON field paths and bilingual (Chinese first, English second) messages, so
// that every refusal names the field and says why.
package valid

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	entrans "github.com/go-playground/validator/v10/translations/en"
	zhtrans "github.com/go-playground/validator/v10/translations/zh"
)

// FieldError says which field of an input is wrong and why, in both languages.
type FieldError struct {
	// Field is the JSON path of the offending field, e.g. "items[2].weight".
	Field string `json:"field"`
	// Message is the Chinese explanation.
	Message string `json:"message"`
	// MessageEN is the English explanation.
	MessageEN string `json:"messageEn,omitempty"`
}

// Errors is a list of field errors; it implements error.
type Errors []FieldError

// Error joins the English messages, prefixed by their fields.
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		msg := f.MessageEN
		if msg == "" {
			msg = f.Message
		}
		parts[i] = f.Field + ": " + msg
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add appends a field error with a Chinese and an English message.
func (e *Errors) Add(field, zhMsg, enMsg string) {
	*e = append(*e, FieldError{Field: field, Message: zhMsg, MessageEN: enMsg})
}

// Addf appends a field error whose messages are formatted with the same args.
func (e *Errors) Addf(field, zhFormat, enFormat string, args ...any) {
	e.Add(field, fmt.Sprintf(zhFormat, args...), fmt.Sprintf(enFormat, args...))
}

// Prefix returns a copy of e with every field path prefixed by p and a dot
// (or no dot when the path starts with an index).
func (e Errors) Prefix(p string) Errors {
	out := make(Errors, len(e))
	for i, f := range e {
		if strings.HasPrefix(f.Field, "[") || f.Field == "" {
			f.Field = p + f.Field
		} else {
			f.Field = p + "." + f.Field
		}
		out[i] = f
	}
	return out
}

// Err returns e as an error, or nil when it is empty.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// As extracts the field errors from err, if it carries any.
func As(err error) (Errors, bool) {
	var fe Errors
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// Validator validates structs tagged for go-playground/validator and
// translates its errors. It is safe for concurrent use.
type Validator struct {
	v    *validator.Validate
	zhTr ut.Translator
	enTr ut.Translator
}

// New builds a Validator that reports JSON field names.
func New() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	zhLoc, enLoc := zh.New(), en.New()
	uni := ut.New(zhLoc, zhLoc, enLoc)
	zhTr, _ := uni.GetTranslator("zh")
	enTr, _ := uni.GetTranslator("en")
	// Registration only fails on a malformed built-in translation table,
	// which would be a programming error in the library.
	if err := zhtrans.RegisterDefaultTranslations(v, zhTr); err != nil {
		panic(fmt.Sprintf("valid: register zh translations: %v", err))
	}
	if err := entrans.RegisterDefaultTranslations(v, enTr); err != nil {
		panic(fmt.Sprintf("valid: register en translations: %v", err))
	}
	return &Validator{v: v, zhTr: zhTr, enTr: enTr}
}

// RegisterValidation adds a custom tag with its messages in both languages;
// the messages may use {0} for the field name.
func (val *Validator) RegisterValidation(tag string, fn validator.Func, zhMsg, enMsg string) {
	if err := val.v.RegisterValidation(tag, fn); err != nil {
		panic(fmt.Sprintf("valid: register %q: %v", tag, err))
	}
	for _, t := range []struct {
		tr  ut.Translator
		msg string
	}{{val.zhTr, zhMsg}, {val.enTr, enMsg}} {
		msg := t.msg
		_ = val.v.RegisterTranslation(tag, t.tr, func(tr ut.Translator) error {
			return tr.Add(tag, msg, true)
		}, func(tr ut.Translator, fe validator.FieldError) string {
			s, _ := tr.T(tag, fe.Field())
			return s
		})
	}
}

// Struct validates s and returns Errors (or nil).
func (val *Validator) Struct(s any) error {
	err := val.v.Struct(s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return fmt.Errorf("validate %T: %w", s, err)
	}
	out := make(Errors, 0, len(ves))
	for _, fe := range ves {
		out = append(out, FieldError{
			Field:     fieldPath(fe.Namespace()),
			Message:   fe.Translate(val.zhTr),
			MessageEN: fe.Translate(val.enTr),
		})
	}
	return out
}

// fieldPath drops the top-level struct name from a validator namespace.
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}
