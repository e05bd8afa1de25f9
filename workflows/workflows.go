// Package workflows owns the durable procedure of each purchase of
// services, as Temporal workflows: catalogue listing, tender, award,
// contract, delivery milestones, quality monitoring, performance
// evaluation and settlement. Workflow code is deterministic; every side
// effect goes through the activities package.
package workflows

import "go.temporal.io/sdk/temporal"

// Search attribute names registered with Temporal, so that purchases can
// be found in its web UI by method and catalogue area.
const (
	// SAMethod is the procurement method.
	SAMethod = "ZhucanMethod"
	// SAStatus is the purchase status, kept only by runs recorded before
	// the status left the search attributes (see upsertSearch); it stays
	// registered so that they finish.
	SAStatus = "ZhucanStatus"
	// SAArea is the catalogue service area.
	SAArea = "ZhucanArea"
)

// SearchAttributes maps each custom search attribute to its Temporal type.
func SearchAttributes() map[string]string {
	return map[string]string{SAMethod: "Keyword", SAStatus: "Keyword", SAArea: "Keyword"}
}

// StartSearchAttributes are the search attributes a purchase's workflow
// starts with: its method and catalogue area. Set at the start, they cost
// the workflow no command; delivery inherits them.
func StartSearchAttributes(in PurchaseInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(saMethod.ValueSet(string(in.Method)), saArea.ValueSet(in.Item.Area))
}
