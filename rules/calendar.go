package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Shanghai is the zone of every calendar date in this package: China
// Standard Time, UTC+8. China has observed no daylight-saving time since
// 1991, so a fixed zone is exact for every date the product handles, gives
// the same answer in every workflow replay and needs no tzdata on the host.
var Shanghai = time.FixedZone("CST", 8*3600)

// Calendar counts days and working days. Deadlines end at the end of a day:
// a period of n days after an event on day D ends at 24:00 Shanghai of its
// last day (民法典 Arts. 201 and 203: the first day is not counted).
type Calendar interface {
	// IsWorkingDay reports whether the day containing t is a working day.
	IsWorkingDay(t time.Time) bool
	// AddDays returns the end of the n-th day after the day containing t.
	AddDays(t time.Time, n int) time.Time
	// AddWorkingDays returns the end of the n-th working day after the day containing t.
	AddWorkingDays(t time.Time, n int) time.Time
	// Known reports whether the calendar holds the official schedule of year.
	Known(year int) bool
}

// StartOfDay returns 00:00 Shanghai of the day containing t.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
}

// EndOfDay returns 24:00 Shanghai of the day containing t, that is 00:00 of the next day.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, Shanghai)
}

// Notice identifies the State Council notice a year's schedule comes from.
type Notice struct {
	// Title is the notice's Chinese title.
	Title string `json:"title"`
	// TitleEN is the notice's English title.
	TitleEN string `json:"titleEn"`
	// Number is the document number, e.g. 国办发明电〔2024〕12号.
	Number string `json:"number"`
	// Issued is the date of the notice (YYYY-MM-DD).
	Issued string `json:"issued"`
}

// Holiday describes a day the official schedule changes: a day off or an
// adjusted working day (调休上班) of a named holiday.
type Holiday struct {
	// Name is the holiday's Chinese name, e.g. 春节.
	Name string `json:"name"`
	// NameEN is the holiday's English name, e.g. Spring Festival.
	NameEN string `json:"nameEn"`
	// Work is true for an adjusted working day (补班), false for a day off.
	Work bool `json:"work"`
	// Notice is the State Council notice that sets the day.
	Notice Notice `json:"notice"`
}

// HolidayCalendar is the statutory working-day calendar: Monday to Friday
// are working days, except the public holidays (休) of the State Council's
// yearly notice, and the adjusted working days (补班) it lists are working
// days although they fall on a weekend.
//
// For a year without a data file the calendar counts Monday to Friday as
// working days and Known reports false: deadlines then come out no later
// than a real schedule gives except across an unknown holiday, and callers
// can warn (or refuse) by checking Known. Add the new year's file when the
// State Council publishes it, usually in October or November.
type HolidayCalendar struct {
	days    map[int]Holiday // by yyyymmdd
	notices map[int]Notice  // by year
}

//go:embed holidays/*.json
var holidayFS embed.FS

// statutoryCalendar is parsed once; it is read-only afterwards, so safe
// for concurrent use.
var statutoryCalendar = mustLoadHolidays(holidayFS, "holidays")

// StatutoryCalendar returns the working-day calendar of the embedded official schedules.
func StatutoryCalendar() *HolidayCalendar { return statutoryCalendar }

func mustLoadHolidays(fsys fs.FS, dir string) *HolidayCalendar {
	c, err := loadHolidays(fsys, dir)
	if err != nil {
		// The files are embedded at build time; a bad one is a programming
		// error that the package tests catch.
		panic(err)
	}
	return c
}

// holidayFile is the format of holidays/YYYY.json.
type holidayFile struct {
	Year     int           `json:"year"`
	Notice   Notice        `json:"notice"`
	Holidays []holidaySpec `json:"holidays"`
}

// holidaySpec is one holiday of a notice: its days off (From to To, Days in
// all, as the notice says 共N天) and its adjusted working days.
type holidaySpec struct {
	Name   string   `json:"name"`
	NameEN string   `json:"nameEn"`
	From   string   `json:"from"`
	To     string   `json:"to"`
	Days   int      `json:"days"`
	Work   []string `json:"work"`
}

// loadHolidays parses every dir/YYYY.json of fsys and checks it: the year
// matches the file name, the notice is identified, ranges are ordered and
// of the stated length, adjusted working days are weekend days, and no day
// is listed twice.
func loadHolidays(fsys fs.FS, dir string) (*HolidayCalendar, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("rules: read holiday data: %w", err)
	}
	c := &HolidayCalendar{days: map[int]Holiday{}, notices: map[int]Notice{}}
	// fs.ReadDir sorts by name, so errors and conflicts are reported
	// deterministically.
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("rules: read %s: %w", name, err)
		}
		if err := c.add(name, b); err != nil {
			return nil, fmt.Errorf("rules: holiday data %s: %w", name, err)
		}
	}
	return c, nil
}

func (c *HolidayCalendar) add(name string, b []byte) error {
	var f holidayFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if want := strings.TrimSuffix(name, ".json"); strconv.Itoa(f.Year) != want {
		return fmt.Errorf("year %d does not match the file name", f.Year)
	}
	if _, dup := c.notices[f.Year]; dup {
		return fmt.Errorf("year %d given twice", f.Year)
	}
	if f.Notice.Title == "" || f.Notice.Number == "" {
		return fmt.Errorf("notice title and number are required")
	}
	if _, err := parseDate(f.Notice.Issued); err != nil {
		return fmt.Errorf("notice issued: %w", err)
	}
	if len(f.Holidays) == 0 {
		return fmt.Errorf("no holidays")
	}
	set := func(date string, h Holiday) (time.Time, error) {
		t, err := parseDate(date)
		if err != nil {
			return t, err
		}
		if y := t.Year(); y < f.Year-1 || y > f.Year+1 {
			return t, fmt.Errorf("%s is too far from %d", date, f.Year)
		}
		k := dayKey(t)
		if old, dup := c.days[k]; dup {
			return t, fmt.Errorf("%s is listed twice (%s, %s)", date, old.Name, h.Name)
		}
		c.days[k] = h
		return t, nil
	}
	for _, s := range f.Holidays {
		if s.Name == "" || s.NameEN == "" {
			return fmt.Errorf("holiday %q: Chinese and English names are required", s.Name)
		}
		from, err := parseDate(s.From)
		if err != nil {
			return fmt.Errorf("%s from: %w", s.Name, err)
		}
		to, err := parseDate(s.To)
		if err != nil {
			return fmt.Errorf("%s to: %w", s.Name, err)
		}
		if n := int(to.Sub(from)/(24*time.Hour)) + 1; n != s.Days || n < 1 {
			return fmt.Errorf("%s: %s to %s is %d days, the notice says %d", s.Name, s.From, s.To, n, s.Days)
		}
		off := Holiday{Name: s.Name, NameEN: s.NameEN, Notice: f.Notice}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if _, err := set(d.Format(time.DateOnly), off); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		work := off
		work.Work = true
		for _, w := range s.Work {
			t, err := set(w, work)
			if err != nil {
				return fmt.Errorf("%s work day: %w", s.Name, err)
			}
			if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return fmt.Errorf("%s: adjusted working day %s is a %s, not a weekend day", s.Name, w, wd)
			}
		}
	}
	c.notices[f.Year] = f.Notice
	return nil
}

func parseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Shanghai)
	if err != nil {
		return t, fmt.Errorf("bad date %q: %w", s, err)
	}
	return t, nil
}

// dayKey is yyyymmdd of the Shanghai day containing t.
func dayKey(t time.Time) int {
	y, m, d := t.In(Shanghai).Date()
	return y*10000 + int(m)*100 + d
}

// isWorking applies the schedule to the day starting at day (00:00 Shanghai).
func (c *HolidayCalendar) isWorking(day time.Time) bool {
	if h, ok := c.days[dayKey(day)]; ok {
		return h.Work
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkingDay reports whether the Shanghai day containing t is a working day.
func (c *HolidayCalendar) IsWorkingDay(t time.Time) bool {
	return c.isWorking(StartOfDay(t))
}

// AddDays returns 24:00 Shanghai of the calendar day n days after the day
// containing t (n may be zero or negative): a 20-day window from a notice
// published on 1 March ends at 24:00 on 21 March.
func (c *HolidayCalendar) AddDays(t time.Time, n int) time.Time {
	return EndOfDay(StartOfDay(t).AddDate(0, 0, n))
}

// AddWorkingDays returns 24:00 Shanghai of the n-th working day after the
// day containing t; that day itself is not counted, whether or not it is a
// working day. n = 0 gives the end of t's own day; a negative n counts
// working days backwards. For example a challenge window of 7 working days
// from an award notice on Friday 2025-01-24 counts 26 and 27 January, 5 to
// 8 February (the 26th and the 8th are adjusted working days) and ends at
// 24:00 on Monday 2025-02-10.
func (c *HolidayCalendar) AddWorkingDays(t time.Time, n int) time.Time {
	day := StartOfDay(t)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		day = day.AddDate(0, 0, step)
		if c.isWorking(day) {
			n--
		}
	}
	return EndOfDay(day)
}

// Known reports whether the official schedule of year is embedded.
func (c *HolidayCalendar) Known(year int) bool {
	_, ok := c.notices[year]
	return ok
}

// Lookup returns the holiday entry of the day containing t, if the official
// schedule lists that day as a day off or an adjusted working day.
func (c *HolidayCalendar) Lookup(t time.Time) (Holiday, bool) {
	h, ok := c.days[dayKey(t)]
	return h, ok
}

// Notice returns the State Council notice of year's schedule, if known.
func (c *HolidayCalendar) Notice(year int) (Notice, bool) {
	n, ok := c.notices[year]
	return n, ok
}

// Years returns the years with an embedded schedule, in ascending order.
func (c *HolidayCalendar) Years() []int {
	ys := make([]int, 0, len(c.notices))
	for y := range c.notices {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// CompressedCalendar is the sandbox calendar: a "day" lasts Day (e.g. one
// second) and every day is a working day, so AddDays and AddWorkingDays
// both return t + n×Day, without rounding to the end of a day.
type CompressedCalendar struct {
	// Day is the length of one day; it must be positive.
	Day time.Duration `json:"day"`
}

// IsWorkingDay reports true: every compressed day is a working day.
func (c CompressedCalendar) IsWorkingDay(time.Time) bool { return true }

// AddDays returns t + n×Day.
func (c CompressedCalendar) AddDays(t time.Time, n int) time.Time {
	return t.Add(time.Duration(n) * c.Day)
}

// AddWorkingDays returns t + n×Day, the same as AddDays.
func (c CompressedCalendar) AddWorkingDays(t time.Time, n int) time.Time {
	return c.AddDays(t, n)
}

// Known reports true: a compressed calendar has no schedule to miss.
func (c CompressedCalendar) Known(int) bool { return true }

var (
	_ Calendar = (*HolidayCalendar)(nil)
	_ Calendar = CompressedCalendar{}
)
