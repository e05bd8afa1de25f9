// Package workflows owns the durable procedure of each purchase of
// services, as Temporal workflows: catalogue listing, tender, award,
// contract, delivery milestones, quality monitoring, performance
// evaluation and settlement. Workflow code is deterministic; every side
// effect goes through the activities package.
package workflows

// Search attribute names registered with Temporal, so that purchases can
// be found in its web UI by method, status and catalogue area.
const (
	// SAMethod is the procurement method.
	SAMethod = "ZhucanMethod"
	// SAStatus is the purchase status.
	SAStatus = "ZhucanStatus"
	// SAArea is the catalogue service area.
	SAArea = "ZhucanArea"
)

// SearchAttributes maps each custom search attribute to its Temporal type.
func SearchAttributes() map[string]string {
	return map[string]string{SAMethod: "Keyword", SAStatus: "Keyword", SAArea: "Keyword"}
}
