// Package catalog owns the guiding catalogue (指导性目录) of purchasable
// disability-assistance services: its types, the versioned default
// catalogue embedded as data (one file per catalogue year), and the rules
// that make an item valid. Storing items is the store package's job.
package catalog

// Dimension is a performance-indicator dimension.
type Dimension string

// The usual dimensions of a performance-indicator template (绩效指标).
const (
	DimOutput       Dimension = "output"       // 产出数量
	DimQuality      Dimension = "quality"      // 产出质量
	DimTimeliness   Dimension = "timeliness"   // 产出时效
	DimCost         Dimension = "cost"         // 产出成本
	DimEffect       Dimension = "effect"       // 效益
	DimSatisfaction Dimension = "satisfaction" // 满意度
)

// Method says how an indicator's score is obtained.
type Method string

// Indicator methods.
const (
	// MethodScored indicators are scored by evaluators from 0 to the weight.
	MethodScored Method = "scored"
	// MethodMeasured indicators are computed from the delivery record.
	MethodMeasured Method = "measured"
)

// Measure names the record-derived quantity of a measured indicator.
type Measure string

// Measures computed from the record.
const (
	MeasureOutput       Measure = "output"       // accepted quantity ÷ planned
	MeasureTimeliness   Measure = "timeliness"   // share of milestones accepted on time
	MeasureSatisfaction Measure = "satisfaction" // satisfied ÷ surveyed across inspections
)

// Area is one of the service areas of the district plan.
type Area struct {
	// Code is the stable area code, e.g. "rehabilitation".
	Code string `json:"code" validate:"required,max=40"`
	// NameZH is the Chinese name, e.g. 康复护理.
	NameZH string `json:"nameZh" validate:"required,max=40"`
	// NameEN is the English name.
	NameEN string `json:"nameEn" validate:"required,max=80"`
	// Order is the display position.
	Order int `json:"order" validate:"min=1"`
}

// Qualification is a credential a supplier can hold and an item can require.
type Qualification struct {
	// Code is the stable qualification code.
	Code string `json:"code" validate:"required,max=60"`
	// NameZH is the Chinese name.
	NameZH string `json:"nameZh" validate:"required,max=80"`
	// NameEN is the English name.
	NameEN string `json:"nameEn" validate:"required,max=160"`
}

// Indicator is one performance indicator of an item's default template.
type Indicator struct {
	// Code is unique within the item, e.g. "output_quantity".
	Code string `json:"code" validate:"required,max=60"`
	// Dimension groups the indicator.
	Dimension Dimension `json:"dimension" validate:"required,oneof=output quality timeliness cost effect satisfaction"`
	// NameZH is the Chinese name.
	NameZH string `json:"nameZh" validate:"required,max=80"`
	// NameEN is the English name.
	NameEN string `json:"nameEn" validate:"required,max=160"`
	// Weight is the indicator's share of 100 points.
	Weight int `json:"weight" validate:"min=1,max=100"`
	// Method is scored or measured.
	Method Method `json:"method" validate:"required,oneof=scored measured"`
	// Measure names the record quantity for a measured indicator.
	Measure Measure `json:"measure,omitempty" validate:"omitempty,oneof=output timeliness satisfaction"`
	// TargetZH states the target in Chinese, e.g. "≥ 95%".
	TargetZH string `json:"targetZh,omitempty" validate:"max=200"`
	// TargetEN states the target in English.
	TargetEN string `json:"targetEn,omitempty" validate:"max=200"`
}

// MilestoneTemplate is one default delivery milestone with its payment share.
type MilestoneTemplate struct {
	// NameZH is the Chinese name.
	NameZH string `json:"nameZh" validate:"required,max=80"`
	// NameEN is the English name.
	NameEN string `json:"nameEn" validate:"required,max=160"`
	// DuePercent places the due date in the service period (1–100 %).
	DuePercent int `json:"duePercent" validate:"min=1,max=100"`
	// QuantityPercent is the share of the purchased quantity due by then.
	QuantityPercent int `json:"quantityPercent" validate:"min=0,max=100"`
	// PaymentPercent is the share of the contract paid on acceptance.
	PaymentPercent int `json:"paymentPercent" validate:"min=0,max=100"`
}

// Item is one purchasable service of the catalogue.
type Item struct {
	// Code is the stable item code, unique within a catalogue year.
	Code string `json:"code" validate:"required,max=40"`
	// Year is the catalogue year the item belongs to.
	Year int `json:"year" validate:"min=2000,max=2100"`
	// Area is the code of the service area.
	Area string `json:"area" validate:"required"`
	// NameZH is the Chinese name.
	NameZH string `json:"nameZh" validate:"required,max=120"`
	// NameEN is the English name.
	NameEN string `json:"nameEn" validate:"required,max=200"`
	// DescriptionZH describes the service in Chinese.
	DescriptionZH string `json:"descriptionZh" validate:"required,max=2000"`
	// DescriptionEN describes the service in English.
	DescriptionEN string `json:"descriptionEn" validate:"required,max=4000"`
	// UnitZH is the unit of service in Chinese (人次, 户, 课时, 人·月 …).
	UnitZH string `json:"unitZh" validate:"required,max=20"`
	// UnitEN is the unit of service in English.
	UnitEN string `json:"unitEn" validate:"required,max=40"`
	// PriceMinFen is the lower end of the reference unit price, in fen.
	PriceMinFen int64 `json:"priceMinFen" validate:"min=1"`
	// PriceMaxFen is the upper end of the reference unit price, in fen.
	PriceMaxFen int64 `json:"priceMaxFen" validate:"min=1"`
	// Qualifications lists the qualification codes a supplier must hold.
	Qualifications []string `json:"qualifications" validate:"required,min=1,dive,required"`
	// Indicators is the default performance-indicator template.
	Indicators []Indicator `json:"indicators" validate:"required,min=1,dive"`
	// Milestones is the default milestone and payment template.
	Milestones []MilestoneTemplate `json:"milestones" validate:"required,min=1,dive"`
	// Active items can be purchased; inactive ones stay for the record.
	Active bool `json:"active"`
}

// Catalogue is one year's guiding catalogue.
type Catalogue struct {
	// Year is the catalogue year.
	Year int `json:"year" validate:"min=2000,max=2100"`
	// Areas are the service areas.
	Areas []Area `json:"areas" validate:"required,min=1,dive"`
	// Qualifications are the known supplier qualifications.
	Qualifications []Qualification `json:"qualifications" validate:"required,min=1,dive"`
	// Items are the services.
	Items []Item `json:"items" validate:"required,min=1,dive"`
}
