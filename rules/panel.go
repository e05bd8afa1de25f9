package rules

import (
	"fmt"

	"zhucan/valid"
)

// PanelMin returns the minimum panel size for method m and a purchase
// whose ceiling is ceilingFen, and whether the panel must be odd; ok is
// false when the policy has no rule for m.
func (p Policy) PanelMin(m Method, ceilingFen int64) (size int, odd, ok bool) {
	r, ok := p.Rule(m)
	if !ok {
		return 0, false, false
	}
	size = r.PanelMin
	if r.PanelMinLarge > size && r.PanelLargeFen > 0 && ceilingFen >= r.PanelLargeFen {
		size = r.PanelMinLarge
	}
	return size, r.PanelOdd, true
}

// CheckPanel refuses a panel of members people for method m and a purchase
// whose ceiling is ceilingFen: too few, or even when it must be odd. The
// open-tender panel is odd and at least 5, at least 7 from a ceiling of 10
// million yuan (87号令 Art. 47); consultation odd and at least 3 (214号
// Art. 14); single source odd and at least 3 by local practice.
func CheckPanel(p Policy, m Method, ceilingFen int64, members int) error {
	size, odd, ok := p.PanelMin(m, ceilingFen)
	if !ok {
		return CheckMethod(m)
	}
	if members >= size && (!odd || members%2 == 1) {
		return nil
	}
	basis := BasisLocal
	if law, ok := floorOf(m); ok {
		basis = law.panelBasis
	}
	kindZh, kindEn := "", ""
	if odd {
		kindZh, kindEn = "单数", "an odd number of "
	}
	var errs valid.Errors
	errs.Add("panel",
		fmt.Sprintf("%s的评审小组应为 %d 人以上%s，现有 %d 人（%s）", m.ZhName(), size, kindZh, members, basis.Zh()),
		fmt.Sprintf("a %s panel needs %s%d or more members, it has %d (%s)", m.EnName(), kindEn, size, members, basis.En()))
	return errs
}
