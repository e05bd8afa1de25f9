package rules

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"zhucan/valid"
)

// Points is a score in hundredths of a point (8725 is 87.25 points), so
// that sums, means and rankings are exact and deterministic. In JSON it is
// the integer number of hundredths.
type Points int64

// PointsPerPoint is the number of Points in one point.
const PointsPerPoint Points = 100

// WholePoints returns n whole points.
func WholePoints(n int) Points { return Points(n) * PointsPerPoint }

// String formats p with two decimals, e.g. "87.25" or "-0.50".
func (p Points) String() string {
	sign := ""
	u := uint64(p)
	if p < 0 {
		sign, u = "-", uint64(-p)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// ParsePoints parses a score with at most two decimals, e.g. "87.25", "87.5", "87".
func ParsePoints(s string) (Points, error) {
	var errs valid.Errors
	bad := func() (Points, error) {
		errs.Addf("score", "分数 %q 格式不正确，应为最多两位小数的数字", "score %q is not a number with at most two decimals", s)
		return 0, errs
	}
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" || (dot && frac == "") || len(frac) > 2 || strings.ContainsAny(whole+frac, "+-") {
		return bad()
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e15 {
		return bad()
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return bad()
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	p := Points(w*100 + f)
	if neg {
		p = -p
	}
	return p, nil
}

// roundDiv returns num/den rounded half up, for num ≥ 0 and den > 0, as a
// big.Int (the callers' quotients fit in int64 by construction).
func roundDiv(num, den *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Lsh(r, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// mul returns the product of xs as a big.Int.
func mul(xs ...int64) *big.Int {
	p := big.NewInt(1)
	for _, x := range xs {
		p.Mul(p, big.NewInt(x))
	}
	return p
}

// PriceScore returns the price score of a bid of bidFen when the lowest
// valid price is lowestFen: lowest ÷ bid × priceWeight points, rounded half
// up to hundredths in exact integer arithmetic (BasisPriceScore: 评标基准价
// ÷ 投标报价 × 100 × 价格权值). It gives 0 for a non-positive price or
// weight, and the full weight when the bid is at or below the lowest.
func PriceScore(lowestFen, bidFen int64, priceWeight int) Points {
	if lowestFen <= 0 || bidFen <= 0 || priceWeight <= 0 {
		return 0
	}
	if lowestFen >= bidFen {
		return WholePoints(priceWeight)
	}
	return Points(roundDiv(mul(lowestFen, int64(priceWeight), int64(PointsPerPoint)), big.NewInt(bidFen)).Int64())
}

// MeanPoints returns the arithmetic mean of ps rounded half away from zero
// (half up for the non-negative scores of a panel), or 0 for none.
func MeanPoints(ps []Points) Points {
	if len(ps) == 0 {
		return 0
	}
	sum := new(big.Int)
	for _, p := range ps {
		sum.Add(sum, big.NewInt(int64(p)))
	}
	neg := sum.Sign() < 0
	q := roundDiv(sum.Abs(sum), big.NewInt(int64(len(ps))))
	if neg {
		q.Neg(q)
	}
	return Points(q.Int64())
}

// AbnormallyLow flags each price strictly below percent% of the arithmetic
// mean of the valid prices (BasisAbnormallyLow). The mean includes every
// positive price, the flagged bid's own too; non-positive prices are
// neither counted nor flagged, and percent ≤ 0 flags nothing. The
// comparison price×100×n < percent×Σ is exact. A flag is not a rejection:
// the panel must ask the bidder for a written explanation.
func AbnormallyLow(prices []int64, percent int) []bool {
	out := make([]bool, len(prices))
	if percent <= 0 {
		return out
	}
	sum := new(big.Int)
	var n int64
	for _, p := range prices {
		if p > 0 {
			sum.Add(sum, big.NewInt(p))
			n++
		}
	}
	bound := sum.Mul(sum, big.NewInt(int64(percent)))
	for i, p := range prices {
		out[i] = p > 0 && mul(p, 100, n).Cmp(bound) < 0
	}
	return out
}

// TechnicalMax returns the most technical (non-price) points a bid can get.
func TechnicalMax(priceWeight int) int { return 100 - priceWeight }

// CheckTechnical refuses a technical score outside 0 to TechnicalMax(priceWeight).
func CheckTechnical(priceWeight int, score Points) error {
	if max := WholePoints(TechnicalMax(priceWeight)); score < 0 || score > max {
		var errs valid.Errors
		errs.Addf("technical", "技术评分应在 0 至 %s 之间，而不是 %s", "the technical score must be 0 to %s, not %s", max, score)
		return errs
	}
	return nil
}

// BidScore is a valid bid to rank.
type BidScore struct {
	// ID identifies the bid; IDs should be distinct.
	ID string `json:"id"`
	// PriceFen is the bid price in fen.
	PriceFen int64 `json:"priceFen"`
	// Technical is the panel's mean technical score.
	Technical Points `json:"technical"`
}

// Ranked is a bid with its scores and rank.
type Ranked struct {
	// ID identifies the bid.
	ID string `json:"id"`
	// PriceFen is the bid price in fen.
	PriceFen int64 `json:"priceFen"`
	// Technical is the panel's mean technical score.
	Technical Points `json:"technical"`
	// PriceScore is the price score against the lowest price.
	PriceScore Points `json:"priceScore"`
	// Total is Technical + PriceScore.
	Total Points `json:"total"`
	// Rank is the 1-based position, distinct for every bid.
	Rank int `json:"rank"`
	// Tied says another bid has the same total and price: the law ranks
	// them equal (并列), and only the technical score and ID order them here.
	Tied bool `json:"tied"`
}

// Rank scores bids against the lowest positive price among them and sorts
// them by total descending, then price ascending, then technical score
// descending, then ID ascending; ranks are 1..n. 87号令 ranks equal total
// and price as tied (并列, to verify): Tied marks them, and the technical
// and ID tie-breaks only make the order deterministic, they decide nothing
// (the officer does, e.g. by drawing lots). Equal total and price imply
// equal technical scores, so among tied bids the ID decides the order.
// Bids with equal IDs keep their input order. bids is not modified.
func Rank(bids []BidScore, priceWeight int) []Ranked {
	var lowest int64
	for _, b := range bids {
		if b.PriceFen > 0 && (lowest == 0 || b.PriceFen < lowest) {
			lowest = b.PriceFen
		}
	}
	out := make([]Ranked, len(bids))
	for i, b := range bids {
		ps := PriceScore(lowest, b.PriceFen, priceWeight)
		out[i] = Ranked{ID: b.ID, PriceFen: b.PriceFen, Technical: b.Technical, PriceScore: ps, Total: b.Technical + ps}
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		return cmp.Or(
			cmp.Compare(b.Total, a.Total),
			cmp.Compare(a.PriceFen, b.PriceFen),
			cmp.Compare(b.Technical, a.Technical),
			strings.Compare(a.ID, b.ID),
		)
	})
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Total == out[i-1].Total && out[i].PriceFen == out[i-1].PriceFen {
			out[i].Tied, out[i-1].Tied = true, true
		}
	}
	return out
}
