package rules

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"zhucan/valid"
)

// fields returns the field names of a valid.Errors error, or fails.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	fe, ok := valid.As(err)
	if !ok {
		t.Fatalf("error %v is not valid.Errors", err)
	}
	out := make([]string, len(fe))
	for i, f := range fe {
		if f.Message == "" || f.MessageEN == "" {
			t.Errorf("field %s lacks a Chinese or English message: %+v", f.Field, f)
		}
		out[i] = f.Field
	}
	return out
}

func TestPresetsValidate(t *testing.T) {
	for _, p := range []Policy{Statutory(), Sandbox(time.Second), Sandbox(time.Minute)} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s/%s: %v", p.Name, p.Day, err)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Policy)
		want   []string
	}{
		{"no name", func(p *Policy) { p.Name = "" }, []string{"name"}},
		{"statutory day not 24h", func(p *Policy) { p.Day = time.Hour }, []string{"day"}},
		{"compressed day zero", func(p *Policy) { p.CalendarKind, p.Day = CalendarCompressed, 0 }, []string{"day"}},
		{"unknown calendar", func(p *Policy) { p.CalendarKind = "lunar" }, []string{"calendar"}},
		{"contract term above the law", func(p *Policy) { p.MaxContractYears = 4 }, []string{"maxContractYears"}},
		{"contract term zero", func(p *Policy) { p.MaxContractYears = 0 }, []string{"maxContractYears"}},
		{"price weight min above max", func(p *Policy) { p.PriceWeightMin, p.PriceWeightMax = 25, 15 }, []string{"priceWeightMin"}},
		{"price weight max above the law", func(p *Policy) { p.PriceWeightMax = 40 }, []string{"priceWeightMax"}},
		{"price weight min below the law", func(p *Policy) { p.PriceWeightMin = 5 }, []string{"priceWeightMin"}},
		{"abnormally low percent out of range", func(p *Policy) { p.AbnormallyLowPercent = 101 }, []string{"abnormallyLowPercent"}},
		{"evaluation days zero", func(p *Policy) { p.EvaluationWorkingDays = 0 }, []string{"evaluationWorkingDays"}},
		{"challenge window shorter than the law", func(p *Policy) { p.ChallengeWorkingDays = 5 }, []string{"challengeWorkingDays"}},
		{"answer deadline longer than the law", func(p *Policy) { p.AnswerWorkingDays = 8 }, []string{"answerWorkingDays"}},
		{"signing longer than the law", func(p *Policy) { p.SigningDays = 31 }, []string{"signingDays"}},
		{"negative grace", func(p *Policy) { p.ReportGraceDays = -1 }, []string{"reportGraceDays"}},
		{"inspection interval zero", func(p *Policy) { p.InspectionIntervalDays = 0 }, []string{"inspectionIntervalDays"}},
		{"rectification negative", func(p *Policy) { p.RectificationDays = -3 }, []string{"rectificationDays"}},
		{"bands not descending", func(p *Policy) { p.Bands.Good = 9500 }, []string{"bands"}},
		{"bands above 100", func(p *Policy) { p.Bands.Excellent = 10001 }, []string{"bands"}},
		{"pass band zero", func(p *Policy) { p.Bands.Pass = 0 }, []string{"bands"}},
		{"unknown retention mode", func(p *Policy) { p.Retention.Mode = "percent" }, []string{"retention.mode"}},
		{"release percent out of range", func(p *Policy) { p.Retention.PassReleasePercent = -1 }, []string{"retention.passReleasePercent"}},
		{"open tender window shorter than the law", func(p *Policy) { p.Methods[0].WindowDays = 15 }, []string{"methods[0].windowDays"}},
		{"single source window in calendar days", func(p *Policy) { p.Methods[2].WindowWorkingDays = false }, []string{"methods[2].windowDays"}},
		{"too few valid bids", func(p *Policy) { p.Methods[1].MinValidBids = 2 }, []string{"methods[1].minValidBids"}},
		{"even panel minimum", func(p *Policy) { p.Methods[1].PanelMin = 4 }, []string{"methods[1].panelMin"}},
		{"panel below the law", func(p *Policy) { p.Methods[0].PanelMin = 3 }, []string{"methods[0].panelMin"}},
		{"large panel below the law", func(p *Policy) { p.Methods[0].PanelMinLarge = 5 }, []string{"methods[0].panelMinLarge"}},
		{"large threshold above 10 million yuan", func(p *Policy) { p.Methods[0].PanelLargeFen = 2_000_000_000 }, []string{"methods[0].panelMinLarge"}},
		{"duplicate method", func(p *Policy) { p.Methods[2] = p.Methods[1] }, []string{"methods[2].method", "methods"}},
		{"unknown method", func(p *Policy) { p.Methods[2].Method = "auction" }, []string{"methods[2].method", "methods"}},
		{"stricter than the law is fine", func(p *Policy) {
			p.Methods[0].WindowDays, p.Methods[0].PanelMin, p.PriceWeightMax, p.MaxContractYears = 25, 7, 20, 1
		}, nil},
		{"two faults, two fields", func(p *Policy) { p.SigningDays, p.RectificationDays = 0, 0 }, []string{"signingDays", "rectificationDays"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Statutory()
			tt.mutate(&p)
			if got := fields(t, p.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("Validate fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStatutoryIsNotShared(t *testing.T) {
	p := Statutory()
	p.Methods[0].WindowDays = 1
	if Statutory().Methods[0].WindowDays != LawOpenTenderWindowDays {
		t.Fatal("changing one Statutory() policy changed another")
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		name    string
		day     time.Duration
		wantErr string
		want    Calendar
	}{
		{PolicyStatutory, 0, "", StatutoryCalendar()},
		{PolicyStatutory, 24 * time.Hour, "", StatutoryCalendar()},
		{PolicyStatutory, time.Second, "day", nil},
		{PolicySandbox, time.Second, "", CompressedCalendar{Day: time.Second}},
		{PolicySandbox, 0, "day", nil},
		{"county", time.Second, "policy", nil},
	}
	for _, tt := range tests {
		p, err := ByName(tt.name, tt.day)
		if tt.wantErr != "" {
			if got := fields(t, err); !slices.Equal(got, []string{tt.wantErr}) {
				t.Errorf("ByName(%q, %s) error fields %v, want [%s]", tt.name, tt.day, got, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ByName(%q, %s): %v", tt.name, tt.day, err)
			continue
		}
		if p.Name != tt.name || p.Calendar() != tt.want {
			t.Errorf("ByName(%q, %s) = %s with %#v", tt.name, tt.day, p.Name, p.Calendar())
		}
	}
}

func TestPolicyJSONRoundTrip(t *testing.T) {
	for _, p := range []Policy{Statutory(), Sandbox(time.Second)} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Policy
		if err := json.Unmarshal(b, &q); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("round trip changed the policy:\n%+v\n%+v", p, q)
		}
		if p.Calendar() != q.Calendar() {
			t.Errorf("round trip changed the calendar")
		}
		if !strings.Contains(string(b), `"calendar":"`+string(p.CalendarKind)+`"`) {
			t.Errorf("JSON lacks the calendar kind: %s", b)
		}
	}
}

func TestDeadlines(t *testing.T) {
	st, sb := Statutory(), Sandbox(time.Second)
	award := at("2025-01-24", 15, 0)
	opened := at("2025-09-26", 9, 30)
	tests := []struct {
		name string
		got  time.Time
		want time.Time
	}{
		{"challenge window over Spring Festival", st.ChallengeDeadline(award), midnight("2025-02-11")},
		{"answer deadline", st.AnswerDeadline(award), midnight("2025-02-11")},
		{"signing 30 days", st.SigningDeadline(award), midnight("2025-02-24")},
		{"evaluation 5 working days over National Day", st.EvaluationDeadline(opened), midnight("2025-10-11")},
		{"report grace", st.ReportDeadline(at("2025-03-31", 0, 0)), midnight("2025-04-11")},
		{"next inspection", st.NextInspection(at("2025-03-01", 14, 0)), midnight("2025-04-01")},
		{"rectification", st.RectificationDeadline(at("2025-03-01", 14, 0)), midnight("2025-03-17")},
		{"sandbox challenge", sb.ChallengeDeadline(award), award.Add(7 * time.Second)},
		{"sandbox signing", sb.SigningDeadline(award), award.Add(30 * time.Second)},
		{"sandbox evaluation", sb.EvaluationDeadline(award), award.Add(5 * time.Second)},
		{"open tender window", st.WindowEnd(MethodOpenTender, at("2025-03-01", 10, 0)), midnight("2025-03-22")},
		{"consultation window", st.WindowEnd(MethodConsultation, at("2025-03-01", 10, 0)), midnight("2025-03-12")},
		{"single source notice over National Day", st.WindowEnd(MethodSingleSource, opened), midnight("2025-10-11")},
		{"sandbox open tender window", sb.WindowEnd(MethodOpenTender, award), award.Add(20 * time.Second)},
	}
	for _, tt := range tests {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestCheckBidDeadline(t *testing.T) {
	st, sb := Statutory(), Sandbox(time.Second)
	pub := at("2025-03-01", 10, 0)
	tests := []struct {
		name     string
		p        Policy
		m        Method
		pub, end time.Time
		ok       bool
	}{
		{"open tender closing on the 20th day", st, MethodOpenTender, pub, at("2025-03-21", 9, 30), true},
		{"open tender closing on the 19th day", st, MethodOpenTender, pub, at("2025-03-20", 23, 59), false},
		{"consultation closing on the 10th day", st, MethodConsultation, pub, at("2025-03-11", 9, 0), true},
		{"consultation closing on the 9th day", st, MethodConsultation, pub, at("2025-03-10", 17, 0), false},
		{"single source over National Day", st, MethodSingleSource, at("2025-09-26", 10, 0), at("2025-10-10", 0, 0), true},
		{"single source too short", st, MethodSingleSource, at("2025-09-26", 10, 0), at("2025-10-09", 17, 0), false},
		{"sandbox last day", sb, MethodOpenTender, pub, pub.Add(19 * time.Second), true},
		{"sandbox too early", sb, MethodOpenTender, pub, pub.Add(18 * time.Second), false},
		{"unknown method", st, "auction", pub, at("2026-01-01", 0, 0), false},
	}
	for _, tt := range tests {
		err := tt.p.CheckBidDeadline(tt.m, tt.pub, tt.end)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil {
			fields(t, err)
		}
	}
}

func TestCheckAmendedDeadline(t *testing.T) {
	st, sb := Statutory(), Sandbox(time.Second)
	changed := at("2025-03-01", 10, 0)
	tests := []struct {
		name string
		p    Policy
		m    Method
		end  time.Time
		ok   bool
	}{
		{"open tender, deadline on the 15th day", st, MethodOpenTender, at("2025-03-16", 9, 0), true},
		{"open tender, deadline on the 14th day", st, MethodOpenTender, at("2025-03-15", 23, 59), false},
		{"consultation, deadline on the 5th day", st, MethodConsultation, at("2025-03-06", 9, 0), true},
		{"consultation, deadline on the 4th day", st, MethodConsultation, at("2025-03-05", 17, 0), false},
		{"single source has no such period", st, MethodSingleSource, at("2025-03-01", 11, 0), true},
		{"sandbox last day", sb, MethodOpenTender, changed.Add(14 * time.Second), true},
		{"sandbox too early", sb, MethodOpenTender, changed.Add(13 * time.Second), false},
	}
	for _, tt := range tests {
		err := tt.p.CheckAmendedDeadline(tt.m, changed, tt.end)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil {
			fields(t, err)
		}
	}
}

func TestCheckPriceWeight(t *testing.T) {
	p := Statutory()
	for w, ok := range map[int]bool{9: false, 10: true, 20: true, 30: true, 31: false, 0: false} {
		if err := p.CheckPriceWeight(w); (err == nil) != ok {
			t.Errorf("CheckPriceWeight(%d) = %v, want ok=%v", w, err, ok)
		}
	}
}

func TestCheckContractTerm(t *testing.T) {
	st, sb := Statutory(), Sandbox(time.Second)
	start := at("2025-03-01", 9, 0)
	tests := []struct {
		name       string
		p          Policy
		start, end time.Time
		ok         bool
	}{
		{"three years to the day", st, start, midnight("2028-03-01"), true},
		{"one second too long", st, start, midnight("2028-03-01").Add(time.Second), false},
		{"one year", st, start, at("2026-02-28", 0, 0), true},
		{"ends before it starts", st, start, start.Add(-time.Hour), false},
		{"sandbox three compressed years", sb, start, start.Add(1095 * time.Second), true},
		{"sandbox too long", sb, start, start.Add(1096 * time.Second), false},
	}
	for _, tt := range tests {
		err := tt.p.CheckContractTerm(tt.start, tt.end)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestMethods(t *testing.T) {
	for _, m := range Methods() {
		if !m.Valid() || CheckMethod(m) != nil || m.ZhName() == string(m) || m.EnName() == string(m) {
			t.Errorf("method %s is not fully described", m)
		}
		if _, ok := Statutory().Rule(m); !ok {
			t.Errorf("statutory policy has no rule for %s", m)
		}
	}
	if Method("auction").Valid() || CheckMethod("auction") == nil {
		t.Error("unknown method accepted")
	}
	p := Statutory()
	for m, want := range map[Method]int{MethodOpenTender: 3, MethodConsultation: 3, MethodSingleSource: 1, "auction": 0} {
		if got := p.MinValidBids(m); got != want {
			t.Errorf("MinValidBids(%s) = %d, want %d", m, got, want)
		}
	}
}

func TestBasis(t *testing.T) {
	if got := BasisOpenTenderWindow.Zh(); got != "《中华人民共和国政府采购法》第三十五条" {
		t.Errorf("Zh() = %q", got)
	}
	if got := BasisOpenTenderWindow.En(); got != "Government Procurement Law of the PRC Art. 35" {
		t.Errorf("En() = %q", got)
	}
	if got := BasisLocal.En(); got != "local practice (configurable)" {
		t.Errorf("En() = %q", got)
	}
}
