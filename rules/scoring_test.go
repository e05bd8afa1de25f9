package rules

import (
	"slices"
	"testing"
)

func TestPointsString(t *testing.T) {
	for p, want := range map[Points]string{0: "0.00", 5: "0.05", 8725: "87.25", 10000: "100.00", -50: "-0.50", -12345: "-123.45"} {
		if got := p.String(); got != want {
			t.Errorf("Points(%d).String() = %q, want %q", int64(p), got, want)
		}
	}
}

func TestParsePoints(t *testing.T) {
	tests := []struct {
		in   string
		want Points
		ok   bool
	}{
		{"87.25", 8725, true},
		{"87.5", 8750, true},
		{"87", 8700, true},
		{" 0.05 ", 5, true},
		{"-1.5", -150, true},
		{"100.00", 10000, true},
		{"87.255", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{".5", 0, false},
		{"87.", 0, false},
		{"+5", 0, false},
		{"1e3", 0, false},
		{"5.-1", 0, false},
		{"--5", 0, false},
	}
	for _, tt := range tests {
		got, err := ParsePoints(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePoints(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil {
			fields(t, err)
		}
	}
}

func TestPriceScore(t *testing.T) {
	tests := []struct {
		name        string
		lowest, bid int64
		weight      int
		want        Points
	}{
		{"lowest bid gets the full weight", 100000, 100000, 30, 3000},
		{"a third of the weight", 100, 300, 30, 1000},
		{"two thirds rounds up", 2, 3, 10, 667},
		{"one third rounds down", 1, 3, 10, 333},
		{"exact half rounds up", 1, 8, 1, 13},
		{"exact half at the smallest unit", 1, 400, 2, 1},
		{"just below half rounds down", 1, 401, 2, 0},
		{"80% of 20", 80000, 100000, 20, 1600},
		{"large amounts stay exact", 9_999_999_999_999, 10_000_000_000_000, 30, 3000},
		{"large amounts with rounding", 7_777_777_777_777, 9_999_999_999_999, 25, 1944},
		{"below the lowest is capped", 100, 90, 30, 3000},
		{"zero bid", 100, 0, 30, 0},
		{"zero lowest", 0, 100, 30, 0},
		{"zero weight", 100, 100, 0, 0},
	}
	for _, tt := range tests {
		if got := PriceScore(tt.lowest, tt.bid, tt.weight); got != tt.want {
			t.Errorf("%s: PriceScore(%d, %d, %d) = %s, want %s", tt.name, tt.lowest, tt.bid, tt.weight, got, tt.want)
		}
	}
}

func TestMeanPoints(t *testing.T) {
	tests := []struct {
		in   []Points
		want Points
	}{
		{nil, 0},
		{[]Points{8725}, 8725},
		{[]Points{8725, 8726}, 8726}, // 87.255 → 87.26
		{[]Points{1, 1, 2}, 1},       // 1.33 → 1
		{[]Points{1, 2, 2}, 2},       // 1.67 → 2
		{[]Points{6000, 6500, 7000, 6800, 6900}, 6640},
		{[]Points{-1, -2}, -2},
	}
	for _, tt := range tests {
		if got := MeanPoints(tt.in); got != tt.want {
			t.Errorf("MeanPoints(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestAbnormallyLow(t *testing.T) {
	tests := []struct {
		name    string
		prices  []int64
		percent int
		want    []bool
	}{
		{"one low bid", []int64{100, 100, 100, 70}, 80, []bool{false, false, false, true}},
		{"below 80% of 80", []int64{100, 80, 60}, 80, []bool{false, false, true}},
		{"exactly at the threshold is not low", []int64{120, 80, 100}, 80, []bool{false, false, false}},
		{"non-positive prices are ignored", []int64{120, 80, 100, 0, -5}, 80, []bool{false, false, false, false, false}},
		{"a stricter percent", []int64{120, 80, 100}, 85, []bool{false, true, false}},
		{"percent 0 flags nothing", []int64{100, 1}, 0, []bool{false, false}},
		{"a single bid is never low", []int64{100}, 100, []bool{false}},
		{"large amounts", []int64{9_000_000_000_000, 9_000_000_000_000, 6_000_000_000_000}, 80, []bool{false, false, true}},
		{"none", nil, 80, []bool{}},
	}
	for _, tt := range tests {
		if got := AbnormallyLow(tt.prices, tt.percent); !slices.Equal(got, tt.want) {
			t.Errorf("%s: AbnormallyLow(%v, %d) = %v, want %v", tt.name, tt.prices, tt.percent, got, tt.want)
		}
	}
}

func TestTechnical(t *testing.T) {
	if TechnicalMax(30) != 70 || TechnicalMax(10) != 90 {
		t.Error("TechnicalMax")
	}
	for s, ok := range map[Points]bool{0: true, 7000: true, 7001: false, -1: false} {
		if err := CheckTechnical(30, s); (err == nil) != ok {
			t.Errorf("CheckTechnical(30, %s) = %v, want ok=%v", s, err, ok)
		}
	}
}

type rankRow struct {
	id           string
	price, total Points
	rank         int
	tied         bool
}

func rows(rs []Ranked) []rankRow {
	out := make([]rankRow, len(rs))
	for i, r := range rs {
		out[i] = rankRow{r.ID, r.PriceScore, r.Total, r.Rank, r.Tied}
	}
	return out
}

func TestRank(t *testing.T) {
	tests := []struct {
		name   string
		bids   []BidScore
		weight int
		want   []rankRow
	}{
		{
			name:   "total, then lower price",
			weight: 30,
			bids: []BidScore{
				{ID: "c", PriceFen: 200000, Technical: 5000}, // 15.00 → 65.00
				{ID: "b", PriceFen: 125000, Technical: 6600}, // 24.00 → 90.00
				{ID: "a", PriceFen: 100000, Technical: 6000}, // 30.00 → 90.00
				{ID: "d", PriceFen: 110000, Technical: 6500}, // 27.27 → 92.27
			},
			want: []rankRow{{"d", 2727, 9227, 1, false}, {"a", 3000, 9000, 2, false}, {"b", 2400, 9000, 3, false}, {"c", 1500, 6500, 4, false}},
		},
		{
			name:   "equal total and price are tied, ordered by ID",
			weight: 20,
			bids: []BidScore{
				{ID: "z", PriceFen: 100000, Technical: 7000},
				{ID: "m", PriceFen: 100000, Technical: 7000},
				{ID: "x", PriceFen: 100000, Technical: 6000},
			},
			want: []rankRow{{"m", 2000, 9000, 1, true}, {"z", 2000, 9000, 2, true}, {"x", 2000, 8000, 3, false}},
		},
		{
			name:   "non-positive price scores nothing and does not set the lowest",
			weight: 10,
			bids: []BidScore{
				{ID: "a", PriceFen: 0, Technical: 9000},
				{ID: "b", PriceFen: 50000, Technical: 8000},
				{ID: "c", PriceFen: 100000, Technical: 8600},
			},
			// c leads with 91.00; a and b have 90.00 and the lower price goes first.
			want: []rankRow{{"c", 500, 9100, 1, false}, {"a", 0, 9000, 2, false}, {"b", 1000, 9000, 3, false}},
		},
		{name: "none", weight: 30, bids: nil, want: []rankRow{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.bids)
			got := Rank(tt.bids, tt.weight)
			if !slices.Equal(rows(got), tt.want) {
				t.Errorf("Rank = %+v\nwant   %+v", rows(got), tt.want)
			}
			if !slices.Equal(in, tt.bids) {
				t.Error("Rank modified its input")
			}
			// The order does not depend on the input order.
			rev := slices.Clone(tt.bids)
			slices.Reverse(rev)
			if again := Rank(rev, tt.weight); !slices.Equal(again, got) {
				t.Errorf("Rank depends on input order: %+v", rows(again))
			}
		})
	}
}
