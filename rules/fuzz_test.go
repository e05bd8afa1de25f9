package rules

import (
	"testing"
	"time"
)

// Fuzz targets for the rule functions: no input makes them panic, and
// their invariants hold. Their seed corpora run in make test.

func FuzzParsePoints(f *testing.F) {
	for _, s := range []string{"0", "65.5", "100", "-1", "1e3", "99.999", "", "abc", "12.34", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePoints(s)
		if err == nil {
			if q, err := ParsePoints(p.String()); err != nil || q != p {
				t.Fatalf("%q → %v does not round-trip: %v %v", s, p, q, err)
			}
		}
	})
}

func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "52350102700000001A", "", "IIIIIIIIIIIIIIIIII", "913501OOM000100Y43", "九"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckCreditCode(s)
		if err == nil && len(s) != 18 {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		// A valid code with any other check character is refused.
		if err == nil {
			for i := 0; i < len(creditCodeChars); i++ {
				if c := creditCodeChars[i]; c != s[17] && CheckCreditCode(s[:17]+string(c)) == nil {
					t.Fatalf("%q and %q are both accepted", s, s[:17]+string(c))
				}
			}
		}
	})
}

func FuzzSplitByPercent(f *testing.F) {
	f.Add(int64(48_000_000), 30, 40, 30)
	f.Add(int64(1), 33, 33, 34)
	f.Add(int64(0), 0, 0, 0)
	f.Add(int64(-5), 50, 50, 0)
	f.Fuzz(func(t *testing.T, total int64, a, b, c int) {
		parts := SplitByPercent(total, []int{a, b, c})
		if total < 0 || a < 0 || b < 0 || c < 0 || a+b+c == 0 || total > 1<<50 || a > 1<<20 || b > 1<<20 || c > 1<<20 {
			return
		}
		var sum int64
		for _, p := range parts {
			if p < 0 {
				t.Fatalf("negative part %v", parts)
			}
			sum += p
		}
		if sum != total {
			t.Fatalf("parts %v sum to %d, not %d", parts, sum, total)
		}
	})
}

func FuzzPriceScoreAndRank(f *testing.F) {
	f.Add(int64(42_000_000), int64(45_000_000), int64(48_000_000), 30, int64(6000))
	f.Add(int64(1), int64(1), int64(1), 10, int64(0))
	f.Add(int64(0), int64(-1), int64(5), 50, int64(-3))
	f.Fuzz(func(t *testing.T, p1, p2, p3 int64, weight int, tech int64) {
		for _, p := range []int64{p1, p2, p3} {
			s := PriceScore(min(p1, p2, p3), p, weight)
			if weight >= 0 && weight <= 100 && p > 0 && min(p1, p2, p3) > 0 && (s < 0 || s > WholePoints(weight)) {
				t.Fatalf("price score %v out of 0..%d", s, weight)
			}
		}
		ranked := Rank([]BidScore{{ID: "a", PriceFen: p1, Technical: Points(tech)}, {ID: "b", PriceFen: p2}, {ID: "c", PriceFen: p3}}, weight)
		seen := map[int]bool{}
		for _, r := range ranked {
			if seen[r.Rank] || r.Rank < 1 || r.Rank > 3 {
				t.Fatalf("ranks %+v", ranked)
			}
			seen[r.Rank] = true
		}
		_ = AbnormallyLow([]int64{p1, p2, p3}, weight)
	})
}

func FuzzCalendar(f *testing.F) {
	f.Add(int64(1767225600), 7)
	f.Add(int64(0), -3)
	f.Add(int64(4102444800), 400)
	f.Fuzz(func(t *testing.T, unix int64, n int) {
		if n < -1000 || n > 1000 || unix < -1e10 || unix > 1e11 {
			return
		}
		cal := StatutoryCalendar()
		at := time.Unix(unix, 0)
		end := cal.AddWorkingDays(at, n)
		if n > 0 && !end.After(at) {
			t.Fatalf("%d working days after %v end at %v", n, at, end)
		}
		if n > 0 && !cal.IsWorkingDay(end.Add(-time.Nanosecond)) {
			t.Fatalf("%d working days after %v end on a day off (%v)", n, at, end)
		}
	})
}
