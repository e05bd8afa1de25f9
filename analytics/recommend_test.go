package analytics

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRecommendWorkedExample(t *testing.T) {
	areas := []AreaInput{
		// Best on every measure.
		{Area: "rehabilitation", BudgetFen: 100_000_000, Beneficiaries: 1000, MeanScoreCenti: 9200, HasScore: true, Satisfied: 95, Surveyed: 100},
		// Worst on every measure.
		{Area: "care", BudgetFen: 100_000_000, Beneficiaries: 500, MeanScoreCenti: 7000, HasScore: true, Satisfied: 70, Surveyed: 100},
	}
	got, err := Recommend(areas, DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	// demand 1000 vs 500; effect 920 vs 700; satisfaction 950 vs 700
	// score: (40·1000 + 30·920 + 30·950)/100 = 961; (40·500 + 30·700 + 30·700)/100 = 620
	// pool 20,000,000 split 961:620 → 12,156,862.75… and 7,843,137.25…;
	// the fen left over goes to the larger remainder.
	if got[0].ScorePermille != 961 || got[1].ScorePermille != 620 {
		t.Fatalf("scores %d, %d", got[0].ScorePermille, got[1].ScorePermille)
	}
	if got[0].ProposedFen != 90_000_000+12_156_863 || got[1].ProposedFen != 90_000_000+7_843_137 {
		t.Fatalf("proposals %d, %d", got[0].ProposedFen, got[1].ProposedFen)
	}
	if !strings.Contains(got[0].ReasonZH, "增加") || !strings.Contains(got[1].ReasonEN, "down") {
		t.Errorf("reasons: %s / %s", got[0].ReasonZH, got[1].ReasonEN)
	}
}

func TestRecommendProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pol := DefaultPolicy()
	for trial := range 2000 {
		n := 1 + rng.IntN(8)
		areas := make([]AreaInput, n)
		var total int64
		for i := range areas {
			areas[i] = AreaInput{Area: string(rune('a' + i)), BudgetFen: rng.Int64N(1_000_000_000_00), Beneficiaries: rng.Int64N(5000),
				MeanScoreCenti: rng.Int64N(10001), HasScore: rng.IntN(5) > 0, Surveyed: rng.Int64N(200)}
			areas[i].Satisfied = rng.Int64N(areas[i].Surveyed + 1)
			total += areas[i].BudgetFen
		}
		got, err := Recommend(areas, pol)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i, r := range got {
			sum += r.ProposedFen
			// No area falls below the floor (to the fen).
			if r.ProposedFen*100 < areas[i].BudgetFen*int64(pol.FloorPercent)-100 {
				t.Fatalf("trial %d: area %s proposed %d of %d, below the %d%% floor", trial, r.Area, r.ProposedFen, areas[i].BudgetFen, pol.FloorPercent)
			}
		}
		if sum != total {
			t.Fatalf("trial %d: proposals sum to %d, budgets to %d", trial, sum, total)
		}
		// An area at least as good on every measure never loses share to a
		// worse one: its proposal ÷ budget is at least the other's (to a fen).
		for i := range got {
			for j := range got {
				a, b := got[i], got[j]
				if a.DemandPermille >= b.DemandPermille && a.EffectPermille >= b.EffectPermille && a.SatisfactionPermille >= b.SatisfactionPermille &&
					a.CurrentFen > 0 && b.CurrentFen > 0 {
					// a.P/a.C ≥ b.P/b.C − rounding of one fen on each side
					lhs := new(big.Int).Mul(big.NewInt(a.ProposedFen+1), big.NewInt(b.CurrentFen))
					rhs := new(big.Int).Mul(big.NewInt(b.ProposedFen-1), big.NewInt(a.CurrentFen))
					if lhs.Cmp(rhs) < 0 {
						t.Fatalf("trial %d: %s (%+v) lost share to worse %s (%+v)", trial, a.Area, a, b.Area, b)
					}
				}
			}
		}
	}
}

func TestRecommendEdgeCases(t *testing.T) {
	if got, err := Recommend(nil, DefaultPolicy()); err != nil || len(got) != 0 {
		t.Fatalf("no areas: %v %v", got, err)
	}
	// Nobody has any result: budgets stay as they are.
	got, err := Recommend([]AreaInput{{Area: "a", BudgetFen: 1001}, {Area: "b", BudgetFen: 2002}}, DefaultPolicy())
	if err != nil || got[0].ProposedFen != 1001 || got[1].ProposedFen != 2002 {
		t.Fatalf("no results: %+v %v", got, err)
	}
	for _, p := range []Policy{
		{SharePercent: 10, FloorPercent: 95, WeightDemand: 40, WeightEffect: 30, WeightSatisfaction: 30},
		{SharePercent: 10, FloorPercent: 90, WeightDemand: 40, WeightEffect: 30, WeightSatisfaction: 31},
		{SharePercent: 110, FloorPercent: 0, WeightDemand: 100},
	} {
		if _, err := Recommend(nil, p); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
}
