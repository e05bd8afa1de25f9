package rules

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// at returns hh:mm Shanghai on the given date.
func at(date string, hh, mm int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, Shanghai)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// midnight returns 00:00 Shanghai on date, the end (24:00) of the day before.
func midnight(date string) time.Time { return at(date, 0, 0) }

func TestIsWorkingDay(t *testing.T) {
	cal := StatutoryCalendar()
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"2024 eve of Spring Festival, a Friday, not a holiday", at("2024-02-09", 10, 0), true},
		{"2024 Sunday worked after Spring Festival", at("2024-02-18", 10, 0), true},
		{"2024 New Year's Day", at("2024-01-01", 10, 0), false},
		{"2025 New Year's Day", at("2025-01-01", 10, 0), false},
		{"2025 Sunday worked before Spring Festival", at("2025-01-26", 10, 0), true},
		{"2025 Monday before Spring Festival", at("2025-01-27", 10, 0), true},
		{"2025 eve of Spring Festival", at("2025-01-28", 10, 0), false},
		{"2025 last day of Spring Festival", at("2025-02-04", 10, 0), false},
		{"2025 first Wednesday after Spring Festival", at("2025-02-05", 10, 0), true},
		{"2025 Saturday worked after Spring Festival", at("2025-02-08", 10, 0), true},
		{"2025 ordinary Sunday", at("2025-02-09", 10, 0), false},
		{"2025 Sunday worked before Labour Day", at("2025-04-27", 10, 0), true},
		{"2025 Labour Day Monday", at("2025-05-05", 10, 0), false},
		{"2025 Dragon Boat Monday", at("2025-06-02", 10, 0), false},
		{"2025 Sunday worked before National Day", at("2025-09-28", 10, 0), true},
		{"2025 National Day", at("2025-10-01", 10, 0), false},
		{"2025 last day of National Day and Mid-Autumn", at("2025-10-08", 10, 0), false},
		{"2025 Thursday after National Day", at("2025-10-09", 10, 0), true},
		{"2025 Saturday worked after National Day", at("2025-10-11", 10, 0), true},
		{"2025 ordinary Sunday after National Day", at("2025-10-12", 10, 0), false},
		{"2026 New Year's Friday", at("2026-01-02", 10, 0), false},
		{"2026 Sunday worked after New Year", at("2026-01-04", 10, 0), true},
		{"2026 Saturday worked before Spring Festival", at("2026-02-14", 10, 0), true},
		{"2026 first day of Spring Festival", at("2026-02-15", 10, 0), false},
		{"2026 Friday of Spring Festival", at("2026-02-20", 10, 0), false},
		{"2026 last day of Spring Festival", at("2026-02-23", 10, 0), false},
		{"2026 Tuesday after Spring Festival", at("2026-02-24", 10, 0), true},
		{"2026 Saturday worked after Spring Festival", at("2026-02-28", 10, 0), true},
		{"2026 Saturday worked after Labour Day", at("2026-05-09", 10, 0), true},
		{"2026 Mid-Autumn Friday", at("2026-09-25", 10, 0), false},
		{"2026 Sunday worked before National Day", at("2026-09-20", 10, 0), true},
		{"2026 last day of National Day", at("2026-10-07", 10, 0), false},
		{"2026 Thursday after National Day", at("2026-10-08", 10, 0), true},
		{"2026 Saturday worked after National Day", at("2026-10-10", 10, 0), true},
		{"UTC evening is the next Shanghai day (a holiday)", time.Date(2025, 1, 27, 16, 30, 0, 0, time.UTC), false},
		{"UTC morning is the same Shanghai day", time.Date(2025, 1, 27, 15, 59, 0, 0, time.UTC), true},
		{"unknown year: Friday counts", at("2027-01-01", 10, 0), true},
		{"unknown year: Saturday does not", at("2027-01-02", 10, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(tt.t); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

// TestWorkingDaysPerYear cross-checks the data files against the published
// totals: 2024 has 251 working days, 2025 and 2026 have 248 each.
func TestWorkingDaysPerYear(t *testing.T) {
	cal := StatutoryCalendar()
	for year, want := range map[int]int{2024: 251, 2025: 248, 2026: 248} {
		n := 0
		for d := time.Date(year, 1, 1, 12, 0, 0, 0, Shanghai); d.Year() == year; d = d.AddDate(0, 0, 1) {
			if cal.IsWorkingDay(d) {
				n++
			}
		}
		if n != want {
			t.Errorf("%d has %d working days, want %d", year, n, want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := StatutoryCalendar()
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"7 across 2025 Spring Festival with both adjusted days", at("2025-01-24", 15, 0), 7, midnight("2025-02-11")},
		{"same, given in UTC", time.Date(2025, 1, 23, 17, 0, 0, 0, time.UTC), 7, midnight("2025-02-11")},
		{"from a holiday, the holiday is not counted", at("2025-01-30", 9, 0), 1, midnight("2025-02-06")},
		{"5 across 2026 Spring Festival", at("2026-02-13", 10, 0), 5, midnight("2026-02-28")},
		{"6 across 2026 Spring Festival ends on adjusted Saturday", at("2026-02-13", 10, 0), 6, midnight("2026-03-01")},
		{"7 across 2025 National Day", at("2025-09-26", 10, 0), 7, midnight("2025-10-14")},
		{"6 across 2025 National Day ends on adjusted Saturday", at("2025-09-26", 10, 0), 6, midnight("2025-10-12")},
		{"3 across 2026 National Day", at("2026-09-30", 10, 0), 3, midnight("2026-10-11")},
		{"5 before 2026 Mid-Autumn with adjusted Sunday", at("2026-09-18", 10, 0), 5, midnight("2026-09-25")},
		{"across the year end into 2026 New Year", at("2025-12-31", 23, 59), 1, midnight("2026-01-05")},
		{"ordinary week", at("2025-03-03", 8, 0), 5, midnight("2025-03-11")},
		{"zero is the end of the day", at("2025-03-03", 8, 0), 0, midnight("2025-03-04")},
		{"backwards across 2025 Spring Festival", at("2025-02-10", 9, 0), -7, midnight("2025-01-25")},
		{"unknown year counts Monday to Friday", at("2027-01-01", 9, 0), 1, midnight("2027-01-05")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.AddWorkingDays(tt.from, tt.n)
			if !got.Equal(tt.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	cal := StatutoryCalendar()
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{at("2025-03-01", 10, 0), 20, midnight("2025-03-22")},
		{at("2025-01-20", 23, 59), 10, midnight("2025-01-31")}, // holidays count as days
		{time.Date(2025, 2, 28, 16, 0, 0, 0, time.UTC), 1, midnight("2025-03-03")},
		{at("2024-02-28", 12, 0), 1, midnight("2024-03-01")}, // leap day
		{at("2025-03-10", 0, 0), -10, midnight("2025-03-01")},
		{at("2025-03-10", 0, 0), 0, midnight("2025-03-11")},
	}
	for _, tt := range tests {
		if got := cal.AddDays(tt.from, tt.n); !got.Equal(tt.want) {
			t.Errorf("AddDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestKnownAndLookup(t *testing.T) {
	cal := StatutoryCalendar()
	for year, want := range map[int]bool{2023: false, 2024: true, 2025: true, 2026: true, 2027: false} {
		if got := cal.Known(year); got != want {
			t.Errorf("Known(%d) = %v, want %v", year, got, want)
		}
	}
	if got := cal.Years(); len(got) != 3 || got[0] != 2024 || got[2] != 2026 {
		t.Errorf("Years() = %v", got)
	}
	h, ok := cal.Lookup(at("2025-01-26", 9, 0))
	if !ok || h.Name != "春节" || h.NameEN != "Spring Festival" || !h.Work || h.Notice.Number != "国办发明电〔2024〕12号" {
		t.Errorf("Lookup(2025-01-26) = %+v, %v", h, ok)
	}
	h, ok = cal.Lookup(at("2026-10-01", 9, 0))
	if !ok || h.Name != "国庆节" || h.Work || h.Notice.Number != "国办发明电〔2025〕7号" {
		t.Errorf("Lookup(2026-10-01) = %+v, %v", h, ok)
	}
	if n, ok := cal.Notice(2024); !ok || n.Number != "国办发明电〔2023〕7号" || n.Issued != "2023-10-25" {
		t.Errorf("Notice(2024) = %+v, %v", n, ok)
	}
	if _, ok := cal.Lookup(at("2025-03-03", 9, 0)); ok {
		t.Error("Lookup of an ordinary day found a holiday")
	}
}

func TestCompressedCalendar(t *testing.T) {
	cal := CompressedCalendar{Day: time.Second}
	t0 := at("2025-01-26", 10, 0)
	if got := cal.AddDays(t0, 20); !got.Equal(t0.Add(20 * time.Second)) {
		t.Errorf("AddDays = %s", got)
	}
	if got := cal.AddWorkingDays(t0, 7); !got.Equal(t0.Add(7 * time.Second)) {
		t.Errorf("AddWorkingDays = %s", got)
	}
	if !cal.IsWorkingDay(at("2025-01-28", 10, 0)) || !cal.Known(1990) {
		t.Error("every compressed day is a known working day")
	}
}

func TestStartEndOfDay(t *testing.T) {
	u := time.Date(2025, 6, 30, 20, 0, 0, 0, time.UTC) // 2025-07-01 04:00 Shanghai
	if got := StartOfDay(u); !got.Equal(midnight("2025-07-01")) {
		t.Errorf("StartOfDay = %s", got)
	}
	if got := EndOfDay(u); !got.Equal(midnight("2025-07-02")) {
		t.Errorf("EndOfDay = %s", got)
	}
}

func TestLoadHolidaysRefusesBadData(t *testing.T) {
	const notice = `"notice": {"title": "t", "titleEn": "t", "number": "n", "issued": "2024-11-12"}`
	file := func(year, holidays string) string {
		return `{"year": ` + year + `, ` + notice + `, "holidays": [` + holidays + `]}`
	}
	good := `{"name": "春节", "nameEn": "Spring Festival", "from": "2025-01-28", "to": "2025-02-04", "days": 8, "work": ["2025-01-26"]}`
	tests := []struct {
		name, data, want string
	}{
		{"valid", file("2025", good), ""},
		{"year does not match file", file("2024", good), "file name"},
		{"length differs from the notice", file("2025", strings.Replace(good, `"days": 8`, `"days": 7`, 1)), "notice says 7"},
		{"work day on a weekday", file("2025", strings.Replace(good, "2025-01-26", "2025-01-27", 1)), "not a weekend day"},
		{"work day inside the holiday", file("2025", strings.Replace(good, "2025-01-26", "2025-02-01", 1)), "listed twice"},
		{"overlapping holidays", file("2025", good+","+good), "listed twice"},
		{"bad date", file("2025", strings.Replace(good, "2025-02-04", "2025-02-30", 1)), "bad date"},
		{"unknown field", file("2025", strings.Replace(good, `"days"`, `"day": 1, "days"`, 1)), "unknown field"},
		{"no holidays", file("2025", ""), "no holidays"},
		{"missing English name", file("2025", strings.Replace(good, `"Spring Festival"`, `""`, 1)), "English"},
		{"date far from the year", file("2025", strings.ReplaceAll(good, "2025-", "2027-")), "too far"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"h/2025.json": {Data: []byte(tt.data)}}
			_, err := loadHolidays(fsys, "h")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
