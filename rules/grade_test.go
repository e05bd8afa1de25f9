package rules

import (
	"testing"

	"zhucan/valid"
)

// errAs returns the Chinese message of the first field error of err.
func errAs(err error) (string, bool) {
	fe, ok := valid.As(err)
	if !ok || len(fe) == 0 {
		return "", false
	}
	return fe[0].Message, true
}

func TestGrade(t *testing.T) {
	custom := Statutory()
	custom.Bands = GradeBands{Excellent: 9500, Good: 8500, Pass: 7000}
	tests := []struct {
		p     Policy
		total Points
		want  Grade
	}{
		{Statutory(), 10000, GradeExcellent},
		{Statutory(), 9000, GradeExcellent},
		{Statutory(), 8999, GradeGood},
		{Statutory(), 8000, GradeGood},
		{Statutory(), 7999, GradePass},
		{Statutory(), 6000, GradePass},
		{Statutory(), 5999, GradeFail},
		{Statutory(), 0, GradeFail},
		{custom, 9400, GradeGood},
		{custom, 6999, GradeFail},
	}
	for _, tt := range tests {
		if got := tt.p.Grade(tt.total); got != tt.want {
			t.Errorf("Grade(%s) with bands %+v = %s, want %s", tt.total, tt.p.Bands, got, tt.want)
		}
	}
	names := map[Grade]string{GradeExcellent: "优秀", GradeGood: "良好", GradePass: "合格", GradeFail: "不合格"}
	for g, zh := range names {
		if !g.Valid() || g.ZhName() != zh || g.EnName() != string(g) {
			t.Errorf("grade %s: %s %s", g, g.ZhName(), g.EnName())
		}
	}
	if Grade("bad").Valid() {
		t.Error("unknown grade is valid")
	}
}

func TestRetention(t *testing.T) {
	p := Statutory()
	low := Statutory()
	low.Retention.PassReleasePercent = 30
	tests := []struct {
		p         Policy
		g         Grade
		retention int64
		want      int64
	}{
		{p, GradeExcellent, 100_001, 100_001},
		{p, GradeGood, 100_001, 100_001},
		{p, GradePass, 100_001, 50_000},
		{p, GradeFail, 100_001, 0},
		{p, "unknown", 100_001, 0},
		{low, GradePass, 100_000, 30_000},
		{p, GradeExcellent, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.p.RetentionRelease(tt.g, tt.retention); got != tt.want {
			t.Errorf("RetentionRelease(%s, %d) at %d%% = %d, want %d", tt.g, tt.retention, tt.p.Retention.PassReleasePercent, got, tt.want)
		}
	}
	if got := p.RetainedFen(SplitByPercent(100_001, []int{30, 30, 40})); got != 40_001 {
		t.Errorf("RetainedFen = %d, want the last milestone 40001", got)
	}
	if got := p.RetainedFen(nil); got != 0 {
		t.Errorf("RetainedFen(nil) = %d", got)
	}
}

func TestMeasuredScore(t *testing.T) {
	tests := []struct {
		weight   int
		num, den int64
		want     Points
	}{
		{20, 95, 100, 1900},
		{20, 100, 100, 2000},
		{20, 120, 100, 2000},
		{20, 1, 3, 667},
		{10, 1, 8, 125},
		{1, 1, 8, 13}, // 0.125 rounds up to 0.13
		{20, 5, 0, 0},
		{20, 0, 5, 0},
		{0, 5, 5, 0},
	}
	for _, tt := range tests {
		if got := MeasuredScore(tt.weight, tt.num, tt.den); got != tt.want {
			t.Errorf("MeasuredScore(%d, %d, %d) = %s, want %s", tt.weight, tt.num, tt.den, got, tt.want)
		}
	}
}
