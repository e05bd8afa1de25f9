package catalog

import (
	"fmt"

	"zhucan/valid"
)

// Validate checks the whole catalogue: struct tags, every item's rules
// against the catalogue's own areas and qualifications, uniqueness of area,
// qualification and item codes, and that every item belongs to the
// catalogue's year. It returns valid.Errors (or nil); a nil v uses a fresh
// validator.
func (c Catalogue) Validate(v *valid.Validator) error {
	errs, err := structErrors(v, c)
	if err != nil {
		return fmt.Errorf("validate catalogue %d: %w", c.Year, err)
	}

	seenArea := make(map[string]int, len(c.Areas))
	for i, a := range c.Areas {
		if j, dup := seenArea[a.Code]; dup && a.Code != "" {
			errs.Addf(fmt.Sprintf("areas[%d].code", i),
				"服务领域代码 %q 与 areas[%d] 重复",
				"area code %q duplicates areas[%d]", a.Code, j)
			continue
		}
		seenArea[a.Code] = i
	}

	seenQual := make(map[string]int, len(c.Qualifications))
	for i, q := range c.Qualifications {
		if j, dup := seenQual[q.Code]; dup && q.Code != "" {
			errs.Addf(fmt.Sprintf("qualifications[%d].code", i),
				"资质代码 %q 与 qualifications[%d] 重复",
				"qualification code %q duplicates qualifications[%d]", q.Code, j)
			continue
		}
		seenQual[q.Code] = i
	}

	seenItem := make(map[string]int, len(c.Items))
	for i, it := range c.Items {
		p := fmt.Sprintf("items[%d]", i)
		if j, dup := seenItem[it.Code]; dup && it.Code != "" {
			errs.Addf(p+".code",
				"服务项目代码 %q 与 items[%d] 重复",
				"item code %q duplicates items[%d]", it.Code, j)
		} else {
			seenItem[it.Code] = i
		}
		if it.Year != c.Year {
			errs.Addf(p+".year",
				"服务项目年度 %d 与目录年度 %d 不一致",
				"item year %d differs from the catalogue year %d", it.Year, c.Year)
		}
		errs = append(errs, itemRules(it, c.Areas, c.Qualifications).Prefix(p)...)
	}
	return errs.Err()
}

// ValidateItem checks one item against its struct tags and the catalogue
// rules, given the catalogue's areas and qualifications. It returns
// valid.Errors (or nil) with paths relative to the item, such as
// "indicators[2].weight"; a nil v uses a fresh validator.
func ValidateItem(v *valid.Validator, it Item, areas []Area, quals []Qualification) error {
	errs, err := structErrors(v, it)
	if err != nil {
		return fmt.Errorf("validate catalogue item %q: %w", it.Code, err)
	}
	errs = append(errs, itemRules(it, areas, quals)...)
	return errs.Err()
}

// structErrors runs the struct-tag validation and returns its field errors;
// the error is set only when validation itself could not run.
func structErrors(v *valid.Validator, x any) (valid.Errors, error) {
	if v == nil {
		v = valid.New()
	}
	err := v.Struct(x)
	if err == nil {
		return nil, nil
	}
	fe, ok := valid.As(err)
	if !ok {
		return nil, err
	}
	return fe, nil
}

// itemRules checks the rules of an item that struct tags cannot express.
func itemRules(it Item, areas []Area, quals []Qualification) valid.Errors {
	var errs valid.Errors

	if it.PriceMinFen > it.PriceMaxFen {
		errs.Addf("priceMinFen",
			"参考单价下限 priceMinFen（%d 分）高于上限 priceMaxFen（%d 分）",
			"priceMinFen (%d fen) is above priceMaxFen (%d fen)", it.PriceMinFen, it.PriceMaxFen)
	}

	if it.Area != "" && !hasArea(areas, it.Area) {
		errs.Addf("area",
			"服务领域 area 的值 %q 不是已知的领域代码",
			"area %q is not a known area code", it.Area)
	}

	for i, code := range it.Qualifications {
		if code != "" && !hasQualification(quals, code) {
			errs.Addf(fmt.Sprintf("qualifications[%d]", i),
				"资质代码 %q 不是已知的资质",
				"qualification %q is not a known qualification code", code)
		}
	}

	errs = append(errs, indicatorRules(it.Indicators)...)
	errs = append(errs, milestoneRules(it.Milestones)...)
	return errs
}

// indicatorRules checks code uniqueness, measure use and the weight total.
func indicatorRules(inds []Indicator) valid.Errors {
	var errs valid.Errors
	if len(inds) == 0 {
		return nil // required by the struct tags
	}
	seen := make(map[string]int, len(inds))
	sum := 0
	for i, ind := range inds {
		p := fmt.Sprintf("indicators[%d]", i)
		sum += ind.Weight
		if j, dup := seen[ind.Code]; dup && ind.Code != "" {
			errs.Addf(p+".code",
				"绩效指标代码 %q 与 indicators[%d] 重复",
				"indicator code %q duplicates indicators[%d]", ind.Code, j)
		} else {
			seen[ind.Code] = i
		}
		switch ind.Method {
		case MethodMeasured:
			if ind.Measure == "" {
				errs.Add(p+".measure",
					"计量型（measured）指标必须指明计量口径 measure",
					"a measured indicator must name its measure")
			}
		case MethodScored:
			if ind.Measure != "" {
				errs.Addf(p+".measure",
					"评分型（scored）指标不得指定计量口径 measure（当前为 %q）",
					"a scored indicator must not name a measure (got %q)", ind.Measure)
			}
		}
	}
	if sum != 100 {
		errs.Addf("indicators",
			"绩效指标权重合计应为 100，实际为 %d",
			"indicator weights must sum to 100, not %d", sum)
	}
	return errs
}

// milestoneRules checks the due-date order and the quantity and payment totals.
func milestoneRules(ms []MilestoneTemplate) valid.Errors {
	var errs valid.Errors
	if len(ms) == 0 {
		return nil // required by the struct tags
	}
	pay, qty := 0, 0
	for i, m := range ms {
		pay += m.PaymentPercent
		qty += m.QuantityPercent
		if i > 0 && m.DuePercent <= ms[i-1].DuePercent {
			errs.Addf(fmt.Sprintf("milestones[%d].duePercent", i),
				"里程碑时间节点 duePercent（%d%%）应晚于上一个节点（%d%%）",
				"duePercent (%d%%) must be later than the previous milestone's (%d%%)",
				m.DuePercent, ms[i-1].DuePercent)
		}
	}
	if last := len(ms) - 1; ms[last].DuePercent != 100 {
		errs.Addf(fmt.Sprintf("milestones[%d].duePercent", last),
			"最后一个里程碑的 duePercent 应为 100，实际为 %d",
			"the last milestone's duePercent must be 100, not %d", ms[last].DuePercent)
	}
	if pay != 100 {
		errs.Addf("milestones",
			"里程碑付款比例 paymentPercent 合计应为 100，实际为 %d",
			"milestone paymentPercent must sum to 100, not %d", pay)
	}
	if qty != 100 {
		errs.Addf("milestones",
			"里程碑服务量比例 quantityPercent 合计应为 100，实际为 %d",
			"milestone quantityPercent must sum to 100, not %d", qty)
	}
	return errs
}

// hasArea reports whether code names one of areas.
func hasArea(areas []Area, code string) bool {
	for _, a := range areas {
		if a.Code == code {
			return true
		}
	}
	return false
}

// hasQualification reports whether code names one of quals.
func hasQualification(quals []Qualification, code string) bool {
	for _, q := range quals {
		if q.Code == code {
			return true
		}
	}
	return false
}
