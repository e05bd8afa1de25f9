package web

import (
	"time"
	"zhucan/api"

	"net/http"
	"net/url"
	"strings"
)

// form is what a user typed into a form, with what is wrong with it: it is
// shown again after a refusal so that nothing typed is lost.
type form struct {
	// Values are the submitted values.
	Values url.Values
	// Errors are the messages of fields, by field name.
	Errors map[string]string
	// Order lists the fields with errors in the order they failed.
	Order []string
	// General are messages that concern no single field.
	General []string
	// Title heads the error summary (the API's problem title), if set.
	Title string
	// Key is the Idempotency-Key of the form's API call: a double submit acts once.
	Key string
	// Prefix keeps the ids of its controls apart from other forms' on the page.
	Prefix string
}

func newForm() *form {
	return &form{Values: url.Values{}, Errors: map[string]string{}, Key: randomString()[:22]}
}

// formFrom copies the named fields of r's posted form.
func formFrom(r *http.Request, fields ...string) *form {
	f := newForm()
	for _, k := range fields {
		if vs, ok := r.PostForm[k]; ok {
			f.Values[k] = vs
		}
	}
	if k := r.PostFormValue("idem"); k != "" && len(k) <= 64 {
		f.Key = k
	}
	return f
}

// Get returns the value of field.
func (f *form) Get(field string) string { return f.Values.Get(field) }

// Fail records msg against field ("" for the whole form).
// Time parses field as a Beijing time from a datetime-local control and
// fails the field when it is not one.
func (f *form) Time(l *locale, field string) (time.Time, bool) {
	t, ok := parseLocal(f.Get(field))
	if !ok {
		f.Fail(field, l.T("err.datetime"))
	}
	return t, ok
}

func (f *form) Fail(field, msg string) {
	if field == "" {
		f.General = append(f.General, msg)
		return
	}
	if _, seen := f.Errors[field]; seen {
		f.Errors[field] += "；" + msg
		return
	}
	f.Errors[field] = msg
	f.Order = append(f.Order, field)
}

// OK reports whether nothing failed.
func (f *form) OK() bool { return len(f.Errors) == 0 && len(f.General) == 0 }

// Err returns field's message, or "".
func (f *form) Err(field string) string { return f.Errors[field] }

// ID is the HTML id of field's control.
func (f *form) ID(field string) string { return fieldID(f.Prefix + field) }

// fieldID turns a field path such as milestones[0].due into an HTML id.
func fieldID(field string) string {
	var b strings.Builder
	b.WriteString("f-")
	for _, c := range field {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// summaryItem is one line of the error summary.
type summaryItem struct {
	// Anchor links to the field's control ("" for a general message).
	Anchor string
	// Message says what is wrong.
	Message string
}

// Summary lists every error: general ones first, then by field.
func (f *form) Summary() []summaryItem {
	var out []summaryItem
	for _, m := range f.General {
		out = append(out, summaryItem{Message: m})
	}
	for _, k := range f.Order {
		out = append(out, summaryItem{Anchor: "#" + f.ID(k), Message: f.Errors[k]})
	}
	return out
}

// addProblem puts an API refusal on the form: a field error next to a
// field the form has (fields maps API field paths to form fields where
// they differ), any other message in the summary.
func (f *form) addProblem(p *api.Problem, has func(field string) bool, fields map[string]string) {
	f.Title = p.Title
	if p.Detail != "" && len(p.Errors) == 0 {
		f.General = append(f.General, p.Detail)
	}
	for _, e := range p.Errors {
		field := e.Field
		if m, ok := fields[field]; ok {
			field = m
		}
		if has != nil && has(field) {
			f.Fail(field, e.Message)
		} else {
			f.Fail("", e.Message)
		}
	}
	if f.OK() {
		f.General = append(f.General, p.Title)
	}
}

// field is one labelled control as the "field" template draws it.
type field struct {
	// L renders text.
	L *locale
	// Form holds the value and error.
	Form *form
	// Name is the control's name.
	Name string
	// Label and Hint are shown with it.
	Label, Hint string
	// Type is text, password, number, date, datetime-local, textarea, select or checkbox.
	Type string
	// Autocomplete is the autocomplete token, if any.
	Autocomplete string
	// Value is its current value.
	Value string
	// Options are a select's choices.
	Options []option
}

// input describes a control of an action form.
type input struct {
	// Name is the form field's name.
	Name string
	// LabelKey and HintKey are translation keys ("" for no hint).
	LabelKey, HintKey string
	// Label and Hint, when set, are shown as they are (names of bids,
	// indicators), instead of LabelKey and HintKey.
	Label, Hint string
	// Type is as in field, or file (several files may be chosen).
	Type string
	// Options are a select's choices.
	Options []option
}

// option is one choice of a select.
type option struct {
	// Value is sent.
	Value string
	// LabelKey is its label's translation key; Label, when set, is shown as is.
	LabelKey, Label string
}

// inputOf is the field drawing in of form f.
func inputOf(l *locale, f *form, in input) field {
	fd := field{L: l, Form: f, Name: in.Name, Label: in.Label, Hint: in.Hint, Type: cmpOr(in.Type, "text")}
	if fd.Label == "" {
		fd.Label = l.T(in.LabelKey)
	}
	if in.HintKey != "" && fd.Hint == "" {
		fd.Hint = l.T(in.HintKey)
	}
	if fd.Type != "password" && fd.Type != "file" {
		fd.Value = f.Get(in.Name)
	}
	for _, o := range in.Options {
		if o.Label == "" {
			o.Label = l.T(o.LabelKey)
		}
		fd.Options = append(fd.Options, o)
	}
	return fd
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ID is the control's id.
func (fd field) ID() string { return fd.Form.ID(fd.Name) }

// Err is the field's error.
func (fd field) Err() string { return fd.Form.Err(fd.Name) }

// Describedby lists the ids of the hint and the error.
func (fd field) Describedby() string {
	var ids []string
	if fd.Hint != "" {
		ids = append(ids, fd.ID()+"-hint")
	}
	if fd.Err() != "" {
		ids = append(ids, fd.ID()+"-error")
	}
	return strings.Join(ids, " ")
}
