package rules

import (
	"math/big"
)

// Grade is a performance evaluation grade.
type Grade string

// Grades, best first (BasisGradeBands: 优/良/中/差, locally 优秀/良好/合格/不合格).
const (
	// GradeExcellent is 优秀.
	GradeExcellent Grade = "excellent"
	// GradeGood is 良好.
	GradeGood Grade = "good"
	// GradePass is 合格.
	GradePass Grade = "pass"
	// GradeFail is 不合格.
	GradeFail Grade = "fail"
)

// Valid reports whether g is a known grade.
func (g Grade) Valid() bool {
	switch g {
	case GradeExcellent, GradeGood, GradePass, GradeFail:
		return true
	}
	return false
}

// ZhName returns the grade's Chinese name.
func (g Grade) ZhName() string {
	switch g {
	case GradeExcellent:
		return "优秀"
	case GradeGood:
		return "良好"
	case GradePass:
		return "合格"
	case GradeFail:
		return "不合格"
	}
	return string(g)
}

// EnName returns the grade's English name.
func (g Grade) EnName() string {
	switch g {
	case GradeExcellent:
		return "excellent"
	case GradeGood:
		return "good"
	case GradePass:
		return "pass"
	case GradeFail:
		return "fail"
	}
	return string(g)
}

// Grade returns the grade of a performance total: at or above a band's
// lowest total earns that band.
func (p Policy) Grade(total Points) Grade {
	switch b := p.Bands; {
	case total >= b.Excellent:
		return GradeExcellent
	case total >= b.Good:
		return GradeGood
	case total >= b.Pass:
		return GradePass
	}
	return GradeFail
}

// RetainedFen returns the share of a contract retained until the final
// evaluation, given its milestone payments in order (e.g. from
// SplitByPercent): under RetainLastMilestone, the last payment.
func (p Policy) RetainedFen(milestoneFen []int64) int64 {
	if len(milestoneFen) == 0 || p.Retention.Mode != RetainLastMilestone {
		return 0
	}
	return milestoneFen[len(milestoneFen)-1]
}

// RetentionRelease returns how much of retentionFen is paid for grade g:
// all for 优秀 and 良好, PassReleasePercent (rounded down to the fen, the
// rest stays withheld) for 合格, nothing for 不合格 or an unknown grade.
func (p Policy) RetentionRelease(g Grade, retentionFen int64) int64 {
	if retentionFen <= 0 {
		return 0
	}
	switch g {
	case GradeExcellent, GradeGood:
		return retentionFen
	case GradePass:
		pct := min(max(p.Retention.PassReleasePercent, 0), 100)
		return new(big.Int).Quo(mul(retentionFen, int64(pct)), big.NewInt(100)).Int64()
	}
	return 0
}

// MeasuredScore returns the score of a measured indicator worth weight
// points: weight × min(num/den, 1), rounded half up to hundredths. For a
// "higher is better" indicator num is the actual value and den the target;
// for "lower is better", num is the target and den the actual value. A
// non-positive den (no target, or nothing measured) or num, or a
// non-positive weight, scores 0.
func MeasuredScore(weight int, num, den int64) Points {
	if weight <= 0 || num <= 0 || den <= 0 {
		return 0
	}
	if num >= den {
		return WholePoints(weight)
	}
	return Points(roundDiv(mul(int64(weight), int64(PointsPerPoint), num), big.NewInt(den)).Int64())
}
