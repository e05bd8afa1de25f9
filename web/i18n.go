package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"zhucan/rules"
)

// msg is one user-visible string in Chinese and English.
type msg struct{ zh, en string }

// locale renders text, times and money in one language for one request.
type locale struct {
	// Lang is "zh" or "en".
	Lang string
	// Precise shows times to the second (sandbox purchases, whose days are seconds).
	Precise bool
	// now is the request's time, for "due in 3 days".
	now time.Time
}

// localeFor picks the language of r: the lang cookie set by the language
// switch, else the browser's Accept-Language, else Chinese.
func localeFor(r *http.Request) *locale {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "zh" || c.Value == "en") {
		return &locale{Lang: c.Value, now: time.Now()}
	}
	return &locale{Lang: preferred(r.Header.Get("Accept-Language")), now: time.Now()}
}

// preferred returns "en" when the Accept-Language header ranks English
// above Chinese, else "zh".
func preferred(header string) string {
	type tag struct {
		lang string
		q    float64
		pos  int
	}
	var tags []tag
	for i, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		name := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case name == "zh" || strings.HasPrefix(name, "zh-"):
			tags = append(tags, tag{"zh", q, i})
		case name == "en" || strings.HasPrefix(name, "en-"):
			tags = append(tags, tag{"en", q, i})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	if len(tags) > 0 && tags[0].q > 0 {
		return tags[0].lang
	}
	return "zh"
}

// En reports whether the locale is English.
func (l *locale) En() bool { return l.Lang == "en" }

// HTMLLang is the value of <html lang>.
func (l *locale) HTMLLang() string {
	if l.En() {
		return "en"
	}
	return "zh-CN"
}

// AcceptLanguage is the header the UI sends to the API.
func (l *locale) AcceptLanguage() string {
	if l.En() {
		return "en"
	}
	return "zh-CN"
}

// Other is the language the switch offers: its code, name and HTML lang.
func (l *locale) Other() (code, name, htmlLang string) {
	if l.En() {
		return "zh", "中文", "zh-CN"
	}
	return "en", "English", "en"
}

// OtherCode is the code of the language the switch offers.
func (l *locale) OtherCode() string { c, _, _ := l.Other(); return c }

// OtherName is the name of the language the switch offers, in itself.
func (l *locale) OtherName() string { _, n, _ := l.Other(); return n }

// OtherHTMLLang is the HTML lang of the language the switch offers.
func (l *locale) OtherHTMLLang() string { _, _, h := l.Other(); return h }

// T translates key, formatting args into it when given. A missing key
// shows as itself (the tests make sure none is missing).
func (l *locale) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.zh
	if l.En() {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is translated.
func (l *locale) Has(key string) bool { _, ok := messages[key]; return ok }

// Label translates prefix.code, or shows code itself when unknown.
func (l *locale) Label(prefix, code string) string {
	if code == "" {
		return l.T("none")
	}
	if m, ok := messages[prefix+"."+code]; ok {
		if l.En() {
			return m.en
		}
		return m.zh
	}
	return code
}

// Pick returns zh or en by language (names stored in both).
func (l *locale) Pick(zh, en string) string {
	if l.En() && en != "" {
		return en
	}
	return zh
}

// Money formats an amount in fen as yuan.
func (l *locale) Money(fen int64) string {
	if l.En() {
		return "CNY " + rules.FormatYuan(fen)
	}
	return rules.FormatYuan(fen) + " 元"
}

// MoneyPtr formats an optional amount.
func (l *locale) MoneyPtr(fen *int64) string {
	if fen == nil {
		return l.T("none")
	}
	return l.Money(*fen)
}

// Points formats hundredths of a point, e.g. 8550 → 85.50.
func (l *locale) Points(centi any) string {
	var v int64
	switch c := centi.(type) {
	case int64:
		v = c
	case *int64:
		if c == nil {
			return l.T("none")
		}
		v = *c
	case int:
		v = int64(c)
	case rules.Points:
		v = int64(c)
	default:
		return l.T("none")
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Num formats an optional count.
func (l *locale) Num(v any) string {
	switch n := v.(type) {
	case *int64:
		if n != nil {
			return strconv.FormatInt(*n, 10)
		}
	case *int:
		if n != nil {
			return strconv.Itoa(*n)
		}
	case int64:
		return strconv.FormatInt(n, 10)
	case int:
		return strconv.Itoa(n)
	}
	return l.T("none")
}

// timeOf unpacks a time or a time pointer.
func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil && !t.IsZero() {
			return *t, true
		}
	}
	return time.Time{}, false
}

// Time formats a moment in Shanghai time with the zone named.
func (l *locale) Time(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return l.T("none")
	}
	layout := "2006-01-02 15:04"
	if l.Precise {
		layout += ":05"
	}
	s := t.In(rules.Shanghai).Format(layout)
	if l.En() {
		return s + " CST (UTC+8)"
	}
	return s + " 北京时间"
}

// Date formats the Shanghai day of a moment.
func (l *locale) Date(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return l.T("none")
	}
	return t.In(rules.Shanghai).Format("2006-01-02")
}

// ISO is a moment for <time datetime>.
func (l *locale) ISO(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	return t.In(rules.Shanghai).Format(time.RFC3339)
}

// Relative says how far a deadline is: "in 3 days", "2 hours overdue".
func (l *locale) Relative(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	d := t.Sub(l.now)
	late := d < 0
	if late {
		d = -d
	}
	var n int64
	var unit string
	switch {
	case d >= 48*time.Hour:
		n, unit = int64(d/(24*time.Hour)), "days"
	case d >= 2*time.Hour:
		n, unit = int64(d/time.Hour), "hours"
	case d >= 2*time.Minute:
		n, unit = int64(d/time.Minute), "minutes"
	default:
		if late {
			return l.T("rel.just_overdue")
		}
		return l.T("rel.now")
	}
	if late {
		return l.T("rel.overdue."+unit, n)
	}
	return l.T("rel.in."+unit, n)
}

// Overdue reports whether a deadline has passed.
func (l *locale) Overdue(v any) bool {
	t, ok := timeOf(v)
	return ok && t.Before(l.now)
}

// Status names a purchase status.
func (l *locale) Status(s string) string { return l.Label("status", s) }

// Method names a procurement method.
func (l *locale) Method(m string) string {
	mm := rules.Method(m)
	if !mm.Valid() {
		return m
	}
	if l.En() {
		return mm.EnName()
	}
	return mm.ZhName()
}

// Grade names a performance grade.
func (l *locale) Grade(g any) string {
	var s string
	switch v := g.(type) {
	case string:
		s = v
	case *string:
		if v == nil {
			return l.T("none")
		}
		s = *v
	}
	gr := rules.Grade(s)
	if !gr.Valid() {
		return s
	}
	if l.En() {
		return gr.EnName()
	}
	return gr.ZhName()
}

// Role names a user role.
func (l *locale) Role(r string) string { return l.Label("role", r) }

// YesNo says yes or no, or "—" for nil.
func (l *locale) YesNo(v any) string {
	switch b := v.(type) {
	case bool:
		if b {
			return l.T("yes")
		}
		return l.T("no")
	case *bool:
		if b == nil {
			return l.T("none")
		}
		return l.YesNo(*b)
	}
	return l.T("none")
}

// Bi picks the user's half of a text the workflows write in both
// languages as "中文 / English"; other text is returned as it is.
func (l *locale) Bi(s string) string {
	zh, en, ok := strings.Cut(s, " / ")
	if !ok {
		return s
	}
	if l.En() {
		return en
	}
	return zh
}
