package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestMilestonePayment(t *testing.T) {
	tests := []struct {
		name              string
		contract          int64
		percent           int
		planned, accepted int64
		want              int64
	}{
		{"all accepted", 1_000_000, 30, 10, 10, 300_000},
		{"seven of ten", 1_000_000, 30, 10, 7, 210_000},
		{"rounded down to the fen", 1_000_001, 30, 3, 2, 200_000},
		{"more than planned is capped", 1_000_000, 40, 10, 12, 400_000},
		{"nothing accepted", 1_000_000, 40, 10, 0, 0},
		{"no plan", 1_000_000, 40, 0, 5, 0},
		{"percent above 100", 1_000_000, 101, 10, 10, 0},
		{"largest contract, exact", 10_000_000_000_000, 100, 1_000_000_000, 999_999_999, 9_999_999_990_000},
		{"large quantities do not overflow", 9_000_000_000_000, 37, 1 << 40, (1 << 40) - 1, 3_329_999_999_996},
	}
	for _, tt := range tests {
		if got := MilestonePayment(tt.contract, tt.percent, tt.planned, tt.accepted); got != tt.want {
			t.Errorf("%s: MilestonePayment = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestProRata(t *testing.T) {
	tests := []struct{ amount, planned, accepted, want int64 }{
		{300_000, 10, 7, 210_000},
		{100, 3, 1, 33},
		{100, 3, 5, 100},
		{100, 0, 1, 0},
		{0, 3, 1, 0},
	}
	for _, tt := range tests {
		if got := ProRata(tt.amount, tt.planned, tt.accepted); got != tt.want {
			t.Errorf("ProRata(%d, %d, %d) = %d, want %d", tt.amount, tt.planned, tt.accepted, got, tt.want)
		}
	}
}

func TestSplitByPercent(t *testing.T) {
	tests := []struct {
		name     string
		total    int64
		percents []int
		want     []int64
	}{
		{"even", 100, []int{30, 30, 40}, []int64{30, 30, 40}},
		{"one fen to the largest remainder", 100_001, []int{30, 30, 40}, []int64{30_000, 30_000, 40_001}},
		{"small amount", 10, []int{33, 33, 34}, []int64{3, 3, 4}},
		{"equal remainders go to the earlier part", 1, []int{50, 50}, []int64{1, 0}},
		{"three equal weights", 100, []int{1, 1, 1}, []int64{34, 33, 33}},
		{"a zero share", 999, []int{0, 100}, []int64{0, 999}},
		{"percents are normalized", 90, []int{30, 60}, []int64{30, 60}},
		{"largest contract", 10_000_000_000_000, []int{33, 33, 34}, []int64{3_300_000_000_000, 3_300_000_000_000, 3_400_000_000_000}},
		{"zero sum", 100, []int{0, 0}, []int64{0, 0}},
		{"negative percent", 100, []int{-10, 110}, []int64{0, 0}},
		{"negative total", -100, []int{50, 50}, []int64{0, 0}},
		{"none", 100, nil, []int64{}},
	}
	for _, tt := range tests {
		if got := SplitByPercent(tt.total, tt.percents); !slices.Equal(got, tt.want) {
			t.Errorf("%s: SplitByPercent(%d, %v) = %v, want %v", tt.name, tt.total, tt.percents, got, tt.want)
		}
	}
}

// TestSplitByPercentSums checks that the parts always sum to the total and
// each differs from its exact share by less than one fen.
func TestSplitByPercentSums(t *testing.T) {
	plans := [][]int{{100}, {30, 30, 40}, {33, 33, 34}, {10, 20, 30, 40}, {1, 2, 97}, {7, 11, 13, 17, 19, 33}}
	for total := int64(0); total < 2000; total += 7 {
		for _, ps := range plans {
			parts := SplitByPercent(total, ps)
			var sum int64
			for i, p := range parts {
				sum += p
				exact := total * int64(ps[i]) // ×100 of the exact share
				if d := p*100 - exact; d <= -100 || d >= 100 {
					t.Fatalf("SplitByPercent(%d, %v)[%d] = %d, too far from %d/100", total, ps, i, p, exact)
				}
			}
			if sum != total {
				t.Fatalf("SplitByPercent(%d, %v) = %v sums to %d", total, ps, parts, sum)
			}
		}
	}
}

func TestCheckPercents(t *testing.T) {
	tests := []struct {
		in   []int
		want []string
	}{
		{[]int{30, 30, 40}, nil},
		{[]int{100}, nil},
		{[]int{30, 30}, []string{"paymentPercent"}},
		{[]int{-10, 110}, []string{"[0].paymentPercent", "[1].paymentPercent"}},
		{nil, []string{"paymentPercent"}},
	}
	for _, tt := range tests {
		if got := fields(t, CheckPercents(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("CheckPercents(%v) fields = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCheckReservation(t *testing.T) {
	tests := []struct {
		available, amount int64
		want              string // part of the Chinese message; "" for success
	}{
		{100_000, 100_000, ""},
		{100_000, 1, ""},
		{100_000, 100_001, "可用 1,000.00 元，需要 1,000.01 元"},
		{0, 1, "预算余额不足"},
		{100_000, 0, "必须大于零"},
	}
	for _, tt := range tests {
		err := CheckReservation(tt.available, tt.amount)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckReservation(%d, %d) = %v", tt.available, tt.amount, err)
			}
			continue
		}
		f := fields(t, err)
		if !slices.Equal(f, []string{"amountFen"}) {
			t.Fatalf("CheckReservation(%d, %d) fields = %v", tt.available, tt.amount, f)
		}
		if fe, _ := errAs(err); !strings.Contains(fe, tt.want) {
			t.Errorf("CheckReservation(%d, %d) = %q, want it to contain %q", tt.available, tt.amount, fe, tt.want)
		}
	}
}

func TestFormatYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 100_000: "1,000.00", 123_456_789: "1,234,567.89", 99_999: "999.99", -150: "-1.50"} {
		if got := FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
