package rules

import (
	"testing"
)

// withCheck appends the computed check character to a 17-character body.
func withCheck(t *testing.T, body string) string {
	t.Helper()
	c, err := CreditCodeCheckChar(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(c)
}

func TestCreditCodeCheckChar(t *testing.T) {
	// Check characters computed by hand with the GB 32100-2015 weights.
	tests := []struct {
		body string
		want byte
	}{
		{"91350100M000100Y4", '3'}, // the standard's example
		{"12100000MB0000000", 'L'},
		{"9111000000000000G", '0'}, // Σ mod 31 = 0: 31 is written 0
		{"J1110000MA0000000", '8'},
	}
	for _, tt := range tests {
		got, err := CreditCodeCheckChar(tt.body)
		if err != nil || got != tt.want {
			t.Errorf("CreditCodeCheckChar(%q) = %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
	for _, bad := range []string{"91350100M000100Y", "91350100M000100YI", "91350100M000100Y43"} {
		if _, err := CreditCodeCheckChar(bad); err == nil {
			t.Errorf("CreditCodeCheckChar(%q) accepted", bad)
		}
	}
}

func TestCheckCreditCode(t *testing.T) {
	tests := []struct {
		name string
		code string
		ok   bool
	}{
		{"standard example", "91350100M000100Y43", true},
		{"enterprise, numeric check", "914403001922038216", true},
		{"enterprise, letter check", "91440300708461136T", true},
		{"another letter check", "91330100716105852F", true},
		{"check 0", "9111000000000000G0", true},
		{"institution", "12100000MB0000000L", true},
		{"wrong check character", "91350100M000100Y44", false},
		{"two characters swapped", "91350100M000010Y43", false},
		{"17 characters", "91350100M000100Y4", false},
		{"19 characters", "91350100M000100Y433", false},
		{"lower case", "91350100m000100y43", false},
		{"letter I", "91350100I000100Y43", false},
		{"letter O", "91350100M000100O43", false},
		{"unknown authority J", "J1110000MA00000008", false},
		{"letters in the division code", "91A50100M000100Y42", false},
		{"full-width characters", "９１３５０１００Ｍ０００１００Ｙ４３", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		err := CheckCreditCode(tt.code)
		if (err == nil) != tt.ok {
			t.Errorf("%s: CheckCreditCode(%q) = %v, want ok=%v", tt.name, tt.code, err, tt.ok)
		}
		if err != nil {
			fields(t, err)
		}
	}
	if err := CheckCreditCode(NormalizeCreditCode(" 91350100m000100y43 ")); err != nil {
		t.Errorf("normalized code refused: %v", err)
	}
	if err := CheckCreditCode(withCheck(t, "52440300MJL000000")); err != nil {
		t.Errorf("constructed code refused: %v", err)
	}
}
