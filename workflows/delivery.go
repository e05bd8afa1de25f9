package workflows

import (
	"time"

	"zhucan/catalog"
	"zhucan/rules"
)

// ContractMilestone is a milestone of the signed contract.
type ContractMilestone struct {
	// Seq numbers milestones from 1.
	Seq int `json:"seq"`
	// Name names it.
	Name string `json:"name"`
	// Due is its due date.
	Due time.Time `json:"due"`
	// Quantity is the planned quantity.
	Quantity int64 `json:"quantity"`
	// PaymentPercent is its share of the contract.
	PaymentPercent int `json:"paymentPercent"`
	// PaymentFen is its planned payment.
	PaymentFen int64 `json:"paymentFen"`
}

// DeliveryInput carries a signed contract from the tender phase into
// delivery, quality monitoring, evaluation and settlement. The workflow
// continues as new with it under the same workflow ID, so callers keep
// addressing "purchase-<id>".
type DeliveryInput struct {
	// PurchaseID is the purchase.
	PurchaseID int64 `json:"purchaseId"`
	// Title is its title.
	Title string `json:"title"`
	// Item is the catalogue item.
	Item catalog.Item `json:"item"`
	// BudgetID is the budget line.
	BudgetID int64 `json:"budgetId"`
	// ReservedFen is what remains reserved on the line (the contract amount).
	ReservedFen int64 `json:"reservedFen"`
	// SupplierID is the contracted organisation.
	SupplierID int64 `json:"supplierId"`
	// AmountFen is the contract amount.
	AmountFen int64 `json:"amountFen"`
	// Quantity is the contracted quantity.
	Quantity int64 `json:"quantity"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `json:"serviceStart"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `json:"serviceEnd"`
	// Milestones are the contract's milestones.
	Milestones []ContractMilestone `json:"milestones"`
	// Inspectors inspect delivery.
	Inspectors []int64 `json:"inspectors"`
	// Assessors evaluate performance.
	Assessors []int64 `json:"assessors"`
	// MidTerm asks for a mid-term evaluation.
	MidTerm bool `json:"midTerm"`
	// Officer is the purchase's officer.
	Officer Actor `json:"officer"`
	// Method is the procurement method that was used.
	Method rules.Method `json:"method"`
	// Round is the round that was awarded.
	Round int `json:"round"`
	// Policy is the rule set.
	Policy rules.Policy `json:"policy"`
	// Seq continues the event sequence of the purchase.
	Seq int `json:"seq"`
	// Revision is the revision the purchase started under.
	Revision Revision `json:"revision,omitempty"`
	// WrittenStatus is the purchase's status as PostgreSQL holds it when
	// this run starts (journal.WrittenStatus).
	WrittenStatus Status `json:"writtenStatus,omitempty"`
	// HistoryLimit continues the workflow as new past this many history
	// events (0: 2,000, or when Temporal suggests it).
	HistoryLimit int `json:"historyLimit,omitempty"`
	// State is the delivery state carried across continue-as-new; nil
	// when delivery starts.
	State *DeliveryState `json:"state,omitempty"`
}

func (p *purchase) deliveryInput() DeliveryInput {
	a := p.Award
	in := DeliveryInput{PurchaseID: p.In.PurchaseID, Title: p.In.Title, Item: p.In.Item, BudgetID: p.In.BudgetID,
		ReservedFen: p.ReservedFen, SupplierID: a.SupplierID, AmountFen: a.AmountFen, Quantity: p.In.Quantity,
		ServiceStart: p.In.ServiceStart, ServiceEnd: p.In.ServiceEnd, Inspectors: p.In.Inspectors, Assessors: p.In.Assessors,
		MidTerm: p.In.MidTerm, Officer: p.In.Officer, Method: p.Method, Round: p.Round, Policy: p.In.Policy, Seq: p.Seq, Revision: p.In.Revision,
		WrittenStatus: p.WrittenStatus, Milestones: p.contractMilestones()}
	return in
}

// contractMilestones are the planned milestones with the award's amount
// split by their payment percentages, as the contract states them.
func (p *purchase) contractMilestones() []ContractMilestone {
	percents := make([]int, len(p.In.Milestones))
	for i, m := range p.In.Milestones {
		percents[i] = m.PaymentPercent
	}
	pay := rules.SplitByPercent(p.Award.AmountFen, percents)
	out := make([]ContractMilestone, len(p.In.Milestones))
	for i, m := range p.In.Milestones {
		out[i] = ContractMilestone{Seq: i + 1, Name: m.Name, Due: m.Due, Quantity: m.Quantity, PaymentPercent: m.PaymentPercent, PaymentFen: pay[i]}
	}
	return out
}
