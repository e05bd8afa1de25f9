package rules

import (
	"fmt"
	"strings"

	"zhucan/valid"
)

// creditCodeChars is the 31-character set of GB 32100-2015 (no I, O, S, V,
// Z), each character's value being its index.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the GB 32100-2015 weights of positions 1 to 17 (3^i mod 31).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditCodeAuthorities are the accepted registration-authority codes
// (position 1): 1–9, A–H, N, Y. The check is loose: the list of authorities
// has grown since 2015.
const creditCodeAuthorities = "123456789ABCDEFGHNY"

// NormalizeCreditCode trims spaces and upper-cases s, as users type it.
func NormalizeCreditCode(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// CreditCodeCheckChar returns the check character (position 18) of a
// unified social credit code whose first 17 characters are first17:
// 31 − (Σ value × weight mod 31), with 31 written as 0 (GB 32100-2015).
func CreditCodeCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("rules: credit code body %q: want 17 characters, got %d", first17, len(first17))
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("rules: credit code body %q: character %d (%q) is not allowed", first17, i+1, first17[i])
		}
		sum += v * creditCodeWeights[i]
	}
	return creditCodeChars[(31-sum%31)%31], nil
}

// CheckCreditCode checks a unified social credit code (统一社会信用代码,
// GB 32100-2015): 18 characters from 0-9 and the capital letters except
// I, O, S, V and Z; a known registration-authority code first; a 6-digit
// administrative-division code at positions 3–8; and the check character.
// It expects the normalized form (NormalizeCreditCode).
func CheckCreditCode(s string) error {
	var errs valid.Errors
	const f = "creditCode"
	if n := len([]rune(s)); n != 18 || len(s) != 18 {
		errs.Addf(f, "统一社会信用代码应为 18 位，而不是 %d 位", "a unified social credit code has 18 characters, not %d", n)
		return errs
	}
	for i := range 18 {
		if strings.IndexByte(creditCodeChars, s[i]) < 0 {
			errs.Addf(f, "统一社会信用代码第 %d 位 %q 不是允许的字符（数字或除 I、O、S、V、Z 外的大写字母）",
				"character %d (%q) of the unified social credit code is not allowed (digits and capitals except I, O, S, V, Z)", i+1, s[i])
			return errs
		}
	}
	if strings.IndexByte(creditCodeAuthorities, s[0]) < 0 {
		errs.Addf(f, "统一社会信用代码第 1 位登记管理部门代码 %q 无效", "registration authority code %q (character 1) is not valid", s[0])
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			errs.Add(f, "统一社会信用代码第 3–8 位应为行政区划代码（数字）", "characters 3–8 must be an administrative division code (digits)")
			break
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if c, _ := CreditCodeCheckChar(s[:17]); c != s[17] {
		errs.Add(f, "统一社会信用代码校验位错误，请核对", "the check character of the unified social credit code is wrong")
		return errs
	}
	return nil
}
