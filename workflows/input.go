package workflows

import (
	"fmt"
	"strings"
	"time"

	"zhucan/rules"
	"zhucan/valid"
)

// ValidateInput checks a new purchase against the policy at time now. The
// API calls it before starting a workflow and the workflow again at its
// start, so both refuse the same purchases for the same reasons. The
// budget check needs the database and is the workflow's first step.
func ValidateInput(in PurchaseInput, now time.Time) valid.Errors {
	var e valid.Errors
	pol := in.Policy
	if errs, ok := valid.As(pol.Validate()); ok {
		e = append(e, errs.Prefix("policy")...)
	}
	if strings.TrimSpace(in.Title) == "" {
		e.Add("title", "标题不能为空", "title is required")
	}
	if !in.Item.Active {
		e.Addf("catalogCode", "目录项 %s 未启用，不能采购", "catalogue item %s is not active", in.Item.Code)
	}
	if in.Quantity <= 0 {
		e.Add("quantity", "数量须为正数", "quantity must be positive")
	}
	if in.CeilingFen <= 0 {
		e.Add("ceilingFen", "最高限价须为正数（分）", "ceilingFen must be a positive amount in fen")
	}
	if in.BudgetID <= 0 {
		e.Add("budgetId", "须指定预算科目", "budgetId is required")
	}
	if !in.Method.Valid() {
		e.Addf("method", "未知的采购方式 %q", "unknown procurement method %q", in.Method)
	} else {
		e = append(e, refield("bidDeadline", pol.CheckBidDeadline(in.Method, now, in.BidDeadline))...)
		e = append(e, refield("panel", rules.CheckPanel(pol, in.Method, in.CeilingFen, len(in.Panel)))...)
	}
	e = append(e, refield("priceWeight", pol.CheckPriceWeight(in.PriceWeight))...)
	if !in.ServiceStart.After(in.BidDeadline) {
		e.Add("serviceStart", "服务期须在投标截止之后开始", "the service period must start after the bid deadline")
	}
	e = append(e, refield("serviceEnd", pol.CheckContractTerm(in.ServiceStart, in.ServiceEnd))...)
	checkPeople(&e, "panel", in.Panel, true)
	checkPeople(&e, "inspectors", in.Inspectors, true)
	checkPeople(&e, "assessors", in.Assessors, true)
	checkMilestones(&e, in)
	return e
}

func checkPeople(e *valid.Errors, field string, ids []int64, required bool) {
	if required && len(ids) == 0 {
		e.Addf(field, "%s 至少需要一人", "%s needs at least one person", field)
	}
	seen := map[int64]bool{}
	for i, id := range ids {
		if id <= 0 {
			e.Addf(fmt.Sprintf("%s[%d]", field, i), "用户编号无效", "invalid user id")
		}
		if seen[id] {
			e.Addf(fmt.Sprintf("%s[%d]", field, i), "人员重复", "listed twice")
		}
		seen[id] = true
	}
}

func checkMilestones(e *valid.Errors, in PurchaseInput) {
	if len(in.Milestones) == 0 {
		e.Add("milestones", "至少需要一个履约节点", "at least one milestone is required")
		return
	}
	var pct int
	var qty int64
	prev := in.ServiceStart
	for i, m := range in.Milestones {
		f := fmt.Sprintf("milestones[%d]", i)
		if strings.TrimSpace(m.Name) == "" {
			e.Add(f+".name", "节点名称不能为空", "name is required")
		}
		if m.Quantity < 0 {
			e.Add(f+".quantity", "数量不能为负", "quantity cannot be negative")
		}
		if m.PaymentPercent < 0 || m.PaymentPercent > 100 {
			e.Add(f+".paymentPercent", "付款比例须在 0 到 100 之间", "paymentPercent must be between 0 and 100")
		}
		if !m.Due.After(prev) || m.Due.After(in.ServiceEnd) {
			e.Add(f+".due", "节点日期须在服务期内且依次递增", "due dates must fall in the service period, in order")
		}
		prev = m.Due
		pct += m.PaymentPercent
		qty += m.Quantity
	}
	if pct != 100 {
		e.Addf("milestones", "付款比例合计为 %d%%，应为 100%%", "payment percents sum to %d%%, want 100%%", pct)
	}
	if in.Quantity > 0 && qty != in.Quantity {
		e.Addf("milestones", "各节点数量合计 %d，应等于采购数量 %d", "milestone quantities sum to %d, want the purchased quantity %d", qty, in.Quantity)
	}
}

// refield returns the field errors of err, all under field (the rules
// name their own parameters); an error without field errors becomes one.
func refield(field string, err error) valid.Errors {
	if err == nil {
		return nil
	}
	errs, ok := valid.As(err)
	if !ok {
		return valid.Errors{{Field: field, Message: err.Error(), MessageEN: err.Error()}}
	}
	out := make(valid.Errors, len(errs))
	for i, f := range errs {
		f.Field = field
		out[i] = f
	}
	return out
}
