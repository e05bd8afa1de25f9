// Package analytics owns the budget-performance figures and the formula
// that proposes next year's budget: how a policy share of the money moves
// between service areas toward demand, effect and satisfaction
// (资金向需求量大、实施效果好、群众满意度高的项目倾斜). The functions are pure;
// the store computes the figures they read.
package analytics

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"

	"zhucan/valid"
)

// Policy holds the numbers of the recommendation (local practice, set by
// the federation each year).
type Policy struct {
	// SharePercent of each area's budget is pooled and redistributed (default 10).
	SharePercent int `json:"sharePercent"`
	// FloorPercent: no area gets less than this percent of its budget (default 90).
	FloorPercent int `json:"floorPercent"`
	// WeightDemand, WeightEffect and WeightSatisfaction weigh the three
	// measures in an area's score; they sum to 100 (default 40/30/30).
	WeightDemand int `json:"weightDemand"`
	// WeightEffect weighs the mean performance score.
	WeightEffect int `json:"weightEffect"`
	// WeightSatisfaction weighs beneficiary satisfaction.
	WeightSatisfaction int `json:"weightSatisfaction"`
}

// DefaultPolicy moves 10% of the money, keeps every area at 90% or more,
// and weighs demand 40, effect 30, satisfaction 30.
func DefaultPolicy() Policy {
	return Policy{SharePercent: 10, FloorPercent: 90, WeightDemand: 40, WeightEffect: 30, WeightSatisfaction: 30}
}

// Validate refuses weights that do not sum to 100 and a floor the pool
// could break (the floor must be at most 100 − share).
func (p Policy) Validate() error {
	var e valid.Errors
	if p.SharePercent < 0 || p.SharePercent > 100 {
		e.Add("sharePercent", "调剂比例须在 0 到 100 之间", "sharePercent must be between 0 and 100")
	}
	if p.FloorPercent < 0 || p.FloorPercent > 100-p.SharePercent {
		e.Addf("floorPercent", "保底比例须在 0 到 %d 之间", "floorPercent must be between 0 and %d", 100-p.SharePercent)
	}
	for _, w := range []struct {
		f string
		v int
	}{{"weightDemand", p.WeightDemand}, {"weightEffect", p.WeightEffect}, {"weightSatisfaction", p.WeightSatisfaction}} {
		if w.v < 0 {
			e.Add(w.f, "权重不能为负", "weights cannot be negative")
		}
	}
	if s := p.WeightDemand + p.WeightEffect + p.WeightSatisfaction; s != 100 {
		e.Addf("weightDemand", "三项权重合计为 %d，应为 100", "the weights sum to %d, want 100", s)
	}
	return e.Err()
}

// AreaInput is one service area's record for the year.
type AreaInput struct {
	// Area is the area code.
	Area string `json:"area"`
	// BudgetFen is this year's budget of the area.
	BudgetFen int64 `json:"budgetFen"`
	// Beneficiaries is the number of people served (demand met).
	Beneficiaries int64 `json:"beneficiaries"`
	// MeanScoreCenti is the mean final performance score, hundredths (0–10000);
	// HasScore is false when nothing was evaluated.
	MeanScoreCenti int64 `json:"meanScoreCenti"`
	// HasScore says whether MeanScoreCenti is measured.
	HasScore bool `json:"hasScore"`
	// Satisfied and Surveyed give the satisfaction rate.
	Satisfied int64 `json:"satisfied"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed int64 `json:"surveyed"`
}

// AreaRecommendation is the proposal for one area, with its reason.
type AreaRecommendation struct {
	// Area is the area code.
	Area string `json:"area"`
	// CurrentFen is this year's budget.
	CurrentFen int64 `json:"currentFen"`
	// ProposedFen is next year's proposal.
	ProposedFen int64 `json:"proposedFen"`
	// ChangeFen is proposed − current.
	ChangeFen int64 `json:"changeFen"`
	// ScorePermille is the area's combined score, 0–1000.
	ScorePermille int64 `json:"scorePermille"`
	// DemandPermille, EffectPermille and SatisfactionPermille are the three measures, 0–1000.
	DemandPermille int64 `json:"demandPermille"`
	// EffectPermille is the mean performance score ÷ 100.
	EffectPermille int64 `json:"effectPermille"`
	// SatisfactionPermille is satisfied ÷ surveyed.
	SatisfactionPermille int64 `json:"satisfactionPermille"`
	// ReasonZH explains the proposal in Chinese.
	ReasonZH string `json:"reasonZh"`
	// ReasonEN explains it in English.
	ReasonEN string `json:"reasonEn"`
}

// Recommend proposes next year's budget for the areas. The formula, which
// the officer sees beside every figure:
//
//   - each measure is scaled to 0–1000 permille: demand = the area's
//     beneficiaries ÷ the most of any area; effect = mean final score ÷ 100;
//     satisfaction = satisfied ÷ surveyed. A measure an area has no data for
//     takes the mean of the areas that have it, so a new area is neither
//     rewarded nor punished for it;
//   - score = (wD·demand + wE·effect + wS·satisfaction) ÷ 100;
//   - every area keeps (100 − share)% of its budget; the pooled share% of
//     the total is split in proportion to score × budget;
//   - so an area's proposal ÷ its budget rises with its score: an area
//     better on every measure never loses share to a worse one, the total
//     is conserved to the fen (largest remainder), and no area falls below
//     (100 − share)% ≥ floor% of its budget.
func Recommend(areas []AreaInput, p Policy) ([]AreaRecommendation, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := len(areas)
	out := make([]AreaRecommendation, n)
	if n == 0 {
		return out, nil
	}
	var maxBen int64
	for _, a := range areas {
		if a.BudgetFen < 0 {
			return nil, fmt.Errorf("area %s has a negative budget", a.Area)
		}
		maxBen = max(maxBen, a.Beneficiaries)
	}
	demand := make([]int64, n)
	effect := make([]int64, n)
	satis := make([]int64, n)
	hasE := make([]bool, n)
	hasS := make([]bool, n)
	for i, a := range areas {
		if maxBen > 0 {
			demand[i] = a.Beneficiaries * 1000 / maxBen
		}
		if a.HasScore {
			effect[i], hasE[i] = min(max(a.MeanScoreCenti, 0), 10000)/10, true
		}
		if a.Surveyed > 0 {
			satis[i], hasS[i] = min(a.Satisfied, a.Surveyed)*1000/a.Surveyed, true
		}
	}
	fillMean(effect, hasE)
	fillMean(satis, hasS)
	var total int64
	weights := make([]*big.Int, n)
	sumW := new(big.Int)
	for i, a := range areas {
		score := (int64(p.WeightDemand)*demand[i] + int64(p.WeightEffect)*effect[i] + int64(p.WeightSatisfaction)*satis[i]) / 100
		out[i] = AreaRecommendation{Area: a.Area, CurrentFen: a.BudgetFen, ScorePermille: score,
			DemandPermille: demand[i], EffectPermille: effect[i], SatisfactionPermille: satis[i]}
		total += a.BudgetFen
		weights[i] = new(big.Int).Mul(big.NewInt(score), big.NewInt(a.BudgetFen))
		sumW.Add(sumW, weights[i])
	}
	// Each keeps (100 − share)%; the remainders and the pool are shared by
	// largest remainder so that the sum is exactly the total.
	pool := total
	num := make([]*big.Int, n) // proposed × 100 × sumW, as exact rationals over one denominator
	den := new(big.Int).Mul(big.NewInt(100), maxBig(sumW, big.NewInt(1)))
	for i, a := range areas {
		keep := new(big.Int).Mul(big.NewInt(a.BudgetFen*int64(100-p.SharePercent)), maxBig(sumW, big.NewInt(1)))
		share := new(big.Int)
		if sumW.Sign() > 0 {
			share.Mul(big.NewInt(total*int64(p.SharePercent)), weights[i])
		} else {
			// Nobody scores: the pool goes back where it came from.
			share.Mul(big.NewInt(a.BudgetFen*int64(p.SharePercent)), big.NewInt(1))
		}
		num[i] = keep.Add(keep, share)
	}
	rem := make([]*big.Int, n)
	for i := range areas {
		q, r := new(big.Int).QuoRem(num[i], den, new(big.Int))
		out[i].ProposedFen, rem[i] = q.Int64(), r
		pool -= out[i].ProposedFen
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Or(rem[b].Cmp(rem[a]), cmp.Compare(a, b)) })
	for k := 0; pool > 0; k = (k + 1) % n {
		out[order[k]].ProposedFen++
		pool--
	}
	for i := range out {
		r := &out[i]
		r.ChangeFen = r.ProposedFen - r.CurrentFen
		r.ReasonZH = fmt.Sprintf("需求 %s‰、绩效 %s‰、满意度 %s‰，综合得分 %d‰（权重 %d/%d/%d）；保留本年预算的 %d%%，按“得分×预算”分得调剂资金，建议%s %s 元",
			pm(demand[i], true), pm(effect[i], hasE[i]), pm(satis[i], hasS[i]), r.ScorePermille, p.WeightDemand, p.WeightEffect, p.WeightSatisfaction,
			100-p.SharePercent, changeZh(r.ChangeFen), yuan(abs(r.ChangeFen)))
		r.ReasonEN = fmt.Sprintf("demand %s‰, effect %s‰, satisfaction %s‰, score %d‰ (weights %d/%d/%d); keeps %d%% of this year's budget and takes a share of the pool by score × budget: %s %s yuan",
			pm(demand[i], true), pm(effect[i], hasE[i]), pm(satis[i], hasS[i]), r.ScorePermille, p.WeightDemand, p.WeightEffect, p.WeightSatisfaction,
			100-p.SharePercent, changeEn(r.ChangeFen), yuan(abs(r.ChangeFen)))
	}
	return out, nil
}

func fillMean(v []int64, has []bool) {
	var sum, k int64
	for i := range v {
		if has[i] {
			sum += v[i]
			k++
		}
	}
	for i := range v {
		if !has[i] && k > 0 {
			v[i] = sum / k
		}
	}
}

func maxBig(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

func pm(v int64, measured bool) string {
	if !measured {
		return fmt.Sprintf("%d*", v)
	}
	return fmt.Sprint(v)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func changeZh(c int64) string {
	switch {
	case c > 0:
		return "增加"
	case c < 0:
		return "减少"
	}
	return "持平"
}

func changeEn(c int64) string {
	switch {
	case c > 0:
		return "up"
	case c < 0:
		return "down"
	}
	return "unchanged"
}
