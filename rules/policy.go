package rules

import (
	"fmt"
	"time"

	"zhucan/valid"
)

// Method is a procurement method.
type Method string

// Procurement methods.
const (
	// MethodOpenTender is 公开招标 (open tender).
	MethodOpenTender Method = "open_tender"
	// MethodConsultation is 竞争性磋商 (competitive consultation).
	MethodConsultation Method = "competitive_consultation"
	// MethodSingleSource is 单一来源采购 (single-source procurement).
	MethodSingleSource Method = "single_source"
)

// Methods returns every procurement method, in a fixed order.
func Methods() []Method {
	return []Method{MethodOpenTender, MethodConsultation, MethodSingleSource}
}

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	switch m {
	case MethodOpenTender, MethodConsultation, MethodSingleSource:
		return true
	}
	return false
}

// ZhName returns the method's Chinese name.
func (m Method) ZhName() string {
	switch m {
	case MethodOpenTender:
		return "公开招标"
	case MethodConsultation:
		return "竞争性磋商"
	case MethodSingleSource:
		return "单一来源采购"
	}
	return string(m)
}

// EnName returns the method's English name.
func (m Method) EnName() string {
	switch m {
	case MethodOpenTender:
		return "open tender"
	case MethodConsultation:
		return "competitive consultation"
	case MethodSingleSource:
		return "single-source procurement"
	}
	return string(m)
}

// CheckMethod refuses an unknown procurement method.
func CheckMethod(m Method) error {
	if m.Valid() {
		return nil
	}
	var errs valid.Errors
	errs.Addf("method", "未知的采购方式 %q，应为 open_tender、competitive_consultation 或 single_source",
		"unknown procurement method %q: want open_tender, competitive_consultation or single_source", string(m))
	return errs
}

// Policy names accepted by ByName.
const (
	// PolicyStatutory runs on real days and the official working-day calendar.
	PolicyStatutory = "statutory"
	// PolicySandbox keeps every rule but compresses days, for demos and tests.
	PolicySandbox = "sandbox"
)

// CalendarKind says which Calendar a Policy builds.
type CalendarKind string

// Calendar kinds.
const (
	// CalendarStatutory is the official calendar (StatutoryCalendar); Day must be 24h.
	CalendarStatutory CalendarKind = "statutory"
	// CalendarCompressed is CompressedCalendar{Day}; every day is a working day.
	CalendarCompressed CalendarKind = "compressed"
)

// MethodRule holds the numbers of one procurement method.
type MethodRule struct {
	// Method is the procurement method the rule is for.
	Method Method `json:"method"`
	// WindowDays is the minimum window from the notice (or documents) to the
	// bid deadline; for single source, the public notice period.
	WindowDays int `json:"windowDays"`
	// WindowWorkingDays says WindowDays counts working days, not calendar days.
	WindowWorkingDays bool `json:"windowWorkingDays"`
	// MinValidBids is the minimum number of valid bids; fewer fails the round.
	MinValidBids int `json:"minValidBids"`
	// PanelMin is the minimum panel size.
	PanelMin int `json:"panelMin"`
	// PanelMinLarge is the minimum panel size when the ceiling is at least
	// PanelLargeFen; 0 means no larger minimum.
	PanelMinLarge int `json:"panelMinLarge,omitempty"`
	// PanelLargeFen is the ceiling (fen) from which PanelMinLarge applies.
	PanelLargeFen int64 `json:"panelLargeFen,omitempty"`
	// PanelOdd says the panel must have an odd number of members.
	PanelOdd bool `json:"panelOdd"`
}

// GradeBands are the lowest totals of the performance grades; a total below
// Pass fails. Defaults 90, 80, 60 (BasisGradeBands, local practice).
type GradeBands struct {
	// Excellent is the lowest total graded 优秀.
	Excellent Points `json:"excellent"`
	// Good is the lowest total graded 良好.
	Good Points `json:"good"`
	// Pass is the lowest total graded 合格.
	Pass Points `json:"pass"`
}

// RetentionMode says which share of the contract is retained (质保金/尾款)
// until the final performance evaluation.
type RetentionMode string

// Retention modes.
const (
	// RetainLastMilestone retains the last milestone's payment.
	RetainLastMilestone RetentionMode = "last_milestone"
)

// Retention is the rule for the retained share of a contract (local practice).
type Retention struct {
	// Mode says which share is retained.
	Mode RetentionMode `json:"mode"`
	// PassReleasePercent is the share (0–100) released for the grade 合格;
	// 优秀 and 良好 release all, 不合格 nothing.
	PassReleasePercent int `json:"passReleasePercent"`
}

// Policy is the rule set a purchase runs under. It is plain data so that
// it serialises to JSON as workflow input; Calendar rebuilds the calendar
// from CalendarKind and Day. Day counts below are counted with the
// calendar; "days" are calendar days unless the name says working days.
type Policy struct {
	// Name names the policy, e.g. statutory or sandbox.
	Name string `json:"name"`
	// CalendarKind selects the calendar.
	CalendarKind CalendarKind `json:"calendar"`
	// Day is the length of a day: 24h for the statutory calendar, shorter
	// in a sandbox. In JSON it is a number of nanoseconds.
	Day time.Duration `json:"day"`
	// MaxContractYears is the longest contract term (BasisContractTerm).
	MaxContractYears int `json:"maxContractYears"`
	// Methods holds one rule per procurement method, in Methods() order.
	Methods []MethodRule `json:"methods"`
	// PriceWeightMin is the lowest price weight, percent (BasisPriceWeight).
	PriceWeightMin int `json:"priceWeightMin"`
	// PriceWeightMax is the highest price weight, percent (BasisPriceWeight).
	PriceWeightMax int `json:"priceWeightMax"`
	// AbnormallyLowPercent flags a price below this percent of the mean
	// valid price as abnormally low; the panel must then ask the bidder for
	// a written explanation (BasisAbnormallyLow). Local practice, default
	// 80; 0 flags nothing.
	AbnormallyLowPercent int `json:"abnormallyLowPercent"`
	// EvaluationWorkingDays is the panel's deadline after bid opening, in
	// working days (local practice, default 5).
	EvaluationWorkingDays int `json:"evaluationWorkingDays"`
	// ChallengeWorkingDays is the challenge window after the award notice (BasisChallenge).
	ChallengeWorkingDays int `json:"challengeWorkingDays"`
	// AnswerWorkingDays is the buyer's deadline to answer a challenge (BasisAnswer).
	AnswerWorkingDays int `json:"answerWorkingDays"`
	// SigningDays is the deadline to sign after the award notice (BasisSigning).
	SigningDays int `json:"signingDays"`
	// ReportGraceDays is how long after a milestone's due date its report
	// may come (local practice, default 10).
	ReportGraceDays int `json:"reportGraceDays"`
	// InspectionIntervalDays is the interval between inspections (local
	// practice, default 30, i.e. monthly).
	InspectionIntervalDays int `json:"inspectionIntervalDays"`
	// RectificationDays is the deadline to fix what an inspection found
	// (local practice, default 15).
	RectificationDays int `json:"rectificationDays"`
	// Bands are the performance grade bands.
	Bands GradeBands `json:"bands"`
	// Retention is the retained-share rule.
	Retention Retention `json:"retention"`
}

// Statutory returns the policy of the statutory numbers and the defaults of
// local practice, on real days and the official working-day calendar.
func Statutory() Policy {
	return Policy{
		Name:             PolicyStatutory,
		CalendarKind:     CalendarStatutory,
		Day:              24 * time.Hour,
		MaxContractYears: LawMaxContractYears,
		Methods: []MethodRule{
			{
				Method:        MethodOpenTender,
				WindowDays:    LawOpenTenderWindowDays,
				MinValidBids:  LawOpenTenderMinBids,
				PanelMin:      LawOpenTenderPanelMin,
				PanelMinLarge: LawOpenTenderPanelMinLarge,
				PanelLargeFen: LawOpenTenderLargeFen,
				PanelOdd:      true,
			},
			{
				Method:       MethodConsultation,
				WindowDays:   LawConsultationWindowDays,
				MinValidBids: LawConsultationMinBids,
				PanelMin:     LawConsultationPanelMin,
				PanelOdd:     true,
			},
			{
				Method:            MethodSingleSource,
				WindowDays:        LawSingleSourceNoticeWorkingDays,
				WindowWorkingDays: true,
				MinValidBids:      LawSingleSourceMinBids,
				// Local practice (BasisSingleSourcePanel): the law asks for no
				// panel; an odd panel of 3 or more records the negotiation.
				PanelMin: 3,
				PanelOdd: true,
			},
		},
		PriceWeightMin:         LawPriceWeightMin,
		PriceWeightMax:         LawPriceWeightMax,
		AbnormallyLowPercent:   80,
		EvaluationWorkingDays:  5,
		ChallengeWorkingDays:   LawChallengeWorkingDays,
		AnswerWorkingDays:      LawAnswerWorkingDays,
		SigningDays:            LawSigningDays,
		ReportGraceDays:        10,
		InspectionIntervalDays: 30,
		RectificationDays:      15,
		Bands:                  GradeBands{Excellent: 9000, Good: 8000, Pass: 6000},
		Retention:              Retention{Mode: RetainLastMilestone, PassReleasePercent: 50},
	}
}

// Sandbox returns the statutory policy with every rule kept but days
// compressed to day each, every day a working day.
func Sandbox(day time.Duration) Policy {
	p := Statutory()
	p.Name = PolicySandbox
	p.CalendarKind = CalendarCompressed
	p.Day = day
	return p
}

// ByName returns the named policy, validated. For statutory, day must be
// 0 or 24h; for sandbox it is the length of a compressed day.
func ByName(name string, day time.Duration) (Policy, error) {
	var p Policy
	switch name {
	case PolicyStatutory:
		if day != 0 && day != 24*time.Hour {
			var errs valid.Errors
			errs.Addf("day", "法定策略的一天必须为 24 小时，而不是 %s", "the statutory policy's day must be 24h, not %s", day)
			return Policy{}, errs
		}
		p = Statutory()
	case PolicySandbox:
		p = Sandbox(day)
	default:
		var errs valid.Errors
		errs.Addf("policy", "未知的规则策略 %q，应为 statutory 或 sandbox", "unknown policy %q: want statutory or sandbox", name)
		return Policy{}, errs
	}
	if err := p.Validate(); err != nil {
		return Policy{}, fmt.Errorf("rules: policy %s: %w", name, err)
	}
	return p, nil
}

// Calendar builds the policy's calendar. An unknown CalendarKind (which
// Validate refuses) gives the statutory calendar.
func (p Policy) Calendar() Calendar {
	if p.CalendarKind == CalendarCompressed {
		return CompressedCalendar{Day: p.Day}
	}
	return StatutoryCalendar()
}

// Rule returns the policy's rule for m.
func (p Policy) Rule(m Method) (MethodRule, bool) {
	for _, r := range p.Methods {
		if r.Method == m {
			return r, true
		}
	}
	return MethodRule{}, false
}

// lawFloor is the statutory floor of a method's numbers and their bases.
type lawFloor struct {
	window, bids, panel int
	working             bool
	windowBasis         Basis
	bidsBasis           Basis
	panelBasis          Basis
}

func floorOf(m Method) (lawFloor, bool) {
	switch m {
	case MethodOpenTender:
		return lawFloor{LawOpenTenderWindowDays, LawOpenTenderMinBids, LawOpenTenderPanelMin, false,
			BasisOpenTenderWindow, BasisOpenTenderMinBids, BasisOpenTenderPanel}, true
	case MethodConsultation:
		return lawFloor{LawConsultationWindowDays, LawConsultationMinBids, LawConsultationPanelMin, false,
			BasisConsultationWindow, BasisConsultationMinBids, BasisConsultationPanel}, true
	case MethodSingleSource:
		return lawFloor{LawSingleSourceNoticeWorkingDays, LawSingleSourceMinBids, LawSingleSourcePanelMin, true,
			BasisSingleSourceNotice, BasisLocal, BasisSingleSourcePanel}, true
	}
	return lawFloor{}, false
}

// Validate checks that the policy is consistent and no looser than the law,
// and returns valid.Errors naming each bad field.
func (p Policy) Validate() error {
	var errs valid.Errors
	if p.Name == "" {
		errs.Add("name", "策略名称不能为空", "the policy needs a name")
	}
	switch p.CalendarKind {
	case CalendarStatutory:
		if p.Day != 24*time.Hour {
			errs.Addf("day", "法定日历的一天必须为 24 小时，而不是 %s", "the statutory calendar's day must be 24h, not %s", p.Day)
		}
	case CalendarCompressed:
		if p.Day <= 0 || p.Day > 24*time.Hour {
			errs.Addf("day", "压缩日历的一天必须大于 0 且不超过 24 小时，而不是 %s", "a compressed day must be more than 0 and at most 24h, not %s", p.Day)
		}
	default:
		errs.Addf("calendar", "未知的日历 %q，应为 statutory 或 compressed", "unknown calendar %q: want statutory or compressed", string(p.CalendarKind))
	}
	if p.MaxContractYears < 1 || p.MaxContractYears > LawMaxContractYears {
		addLaw(&errs, "maxContractYears", BasisContractTerm, "合同期限上限应为 1 至 %d 年", "the longest contract term must be 1 to %d years",
			LawMaxContractYears)
	}
	p.validateMethods(&errs)
	if p.PriceWeightMin < LawPriceWeightMin || p.PriceWeightMin > LawPriceWeightMax {
		addLaw(&errs, "priceWeightMin", BasisPriceWeight, "价格权重下限应在 %d%% 至 %d%% 之间", "the lowest price weight must be %d%% to %d%%",
			LawPriceWeightMin, LawPriceWeightMax)
	}
	if p.PriceWeightMax < LawPriceWeightMin || p.PriceWeightMax > LawPriceWeightMax {
		addLaw(&errs, "priceWeightMax", BasisPriceWeight, "价格权重上限应在 %d%% 至 %d%% 之间", "the highest price weight must be %d%% to %d%%",
			LawPriceWeightMin, LawPriceWeightMax)
	}
	if p.PriceWeightMin > p.PriceWeightMax {
		errs.Addf("priceWeightMin", "价格权重下限 %d 大于上限 %d", "the lowest price weight %d exceeds the highest %d",
			p.PriceWeightMin, p.PriceWeightMax)
	}
	percent(&errs, "abnormallyLowPercent", "异常低价比例", "the abnormally low percent", p.AbnormallyLowPercent)
	positive(&errs, "evaluationWorkingDays", "评审期限", "the evaluation deadline", p.EvaluationWorkingDays)
	if p.ChallengeWorkingDays < LawChallengeWorkingDays {
		addLaw(&errs, "challengeWorkingDays", BasisChallenge, "质疑期不得少于 %d 个工作日", "the challenge window must be at least %d working days",
			LawChallengeWorkingDays)
	}
	if p.AnswerWorkingDays < 1 || p.AnswerWorkingDays > LawAnswerWorkingDays {
		addLaw(&errs, "answerWorkingDays", BasisAnswer, "质疑答复期限应为 1 至 %d 个工作日", "the answer deadline must be 1 to %d working days",
			LawAnswerWorkingDays)
	}
	if p.SigningDays < 1 || p.SigningDays > LawSigningDays {
		addLaw(&errs, "signingDays", BasisSigning, "签订合同期限应为 1 至 %d 日", "the signing deadline must be 1 to %d days",
			LawSigningDays)
	}
	if p.ReportGraceDays < 0 {
		errs.Addf("reportGraceDays", "报告宽限期不能为负数：%d", "the report grace period cannot be negative: %d", p.ReportGraceDays)
	}
	positive(&errs, "inspectionIntervalDays", "检查间隔", "the inspection interval", p.InspectionIntervalDays)
	positive(&errs, "rectificationDays", "整改期限", "the rectification deadline", p.RectificationDays)
	b := p.Bands
	if !(0 < b.Pass && b.Pass < b.Good && b.Good < b.Excellent && b.Excellent <= 100*PointsPerPoint) {
		errs.Addf("bands", "等级分数线应满足 0 < 合格 < 良好 < 优秀 ≤ 100，而不是 %s、%s、%s",
			"grade bands must satisfy 0 < pass < good < excellent ≤ 100, not %s, %s, %s", b.Pass, b.Good, b.Excellent)
	}
	if p.Retention.Mode != RetainLastMilestone {
		errs.Addf("retention.mode", "未知的质保金方式 %q，应为 last_milestone", "unknown retention mode %q: want last_milestone", string(p.Retention.Mode))
	}
	percent(&errs, "retention.passReleasePercent", "合格等级返还比例", "the release percent for pass", p.Retention.PassReleasePercent)
	return errs.Err()
}

func (p Policy) validateMethods(errs *valid.Errors) {
	seen := map[Method]bool{}
	for i, r := range p.Methods {
		f := fmt.Sprintf("methods[%d]", i)
		law, ok := floorOf(r.Method)
		if !ok {
			errs.Addf(f+".method", "未知的采购方式 %q", "unknown procurement method %q", string(r.Method))
			continue
		}
		if seen[r.Method] {
			errs.Addf(f+".method", "采购方式 %s 重复", "procurement method %s is given twice", string(r.Method))
			continue
		}
		seen[r.Method] = true
		if r.WindowDays < law.window || (law.working && !r.WindowWorkingDays) {
			unit := "日"
			if law.working {
				unit = "个工作日"
			}
			errs.Add(f+".windowDays", fmt.Sprintf("%s期限不得少于 %d %s（%s）", r.Method.ZhName(), law.window, unit, law.windowBasis.Zh()),
				fmt.Sprintf("the %s window must be at least %d %s (%s)", r.Method.EnName(), law.window, unitEN(law.working), law.windowBasis.En()))
		}
		if r.MinValidBids < law.bids {
			addLaw(errs, f+".minValidBids", law.bidsBasis, "有效投标不得少于 %d 家", "at least %d valid bids are needed", law.bids)
		}
		if r.PanelMin < law.panel {
			addLaw(errs, f+".panelMin", law.panelBasis, "评审小组不得少于 %d 人", "the panel must have at least %d members", law.panel)
		}
		if r.PanelOdd && r.PanelMin%2 == 0 {
			errs.Addf(f+".panelMin", "评审小组须为单数，最少人数 %d 是双数", "the panel must be odd; its minimum %d is even", r.PanelMin)
		}
		if r.Method == MethodOpenTender && (r.PanelMinLarge < LawOpenTenderPanelMinLarge || r.PanelLargeFen <= 0 || r.PanelLargeFen > LawOpenTenderLargeFen) {
			addLaw(errs, f+".panelMinLarge", BasisOpenTenderPanel, "预算 1000 万元以上的公开招标，评标委员会不得少于 %d 人",
				"an open tender with a budget of 10 million yuan or more needs a panel of at least %d", LawOpenTenderPanelMinLarge)
		}
		if r.PanelMinLarge != 0 {
			if r.PanelMinLarge < r.PanelMin {
				errs.Addf(f+".panelMinLarge", "大额项目最少人数 %d 小于一般最少人数 %d", "the large-budget minimum %d is below the minimum %d", r.PanelMinLarge, r.PanelMin)
			}
			if r.PanelOdd && r.PanelMinLarge%2 == 0 {
				errs.Addf(f+".panelMinLarge", "评审小组须为单数，大额项目最少人数 %d 是双数", "the panel must be odd; its large-budget minimum %d is even", r.PanelMinLarge)
			}
			if r.PanelLargeFen <= 0 {
				errs.Add(f+".panelLargeFen", "大额项目金额标准必须大于零", "the large-budget threshold must be positive")
			}
		}
	}
	for _, m := range Methods() {
		if !seen[m] {
			errs.Addf("methods", "缺少采购方式 %s 的规则", "no rule for procurement method %s", string(m))
		}
	}
}

// addLaw appends a field error whose messages, formatted with args, cite b.
func addLaw(errs *valid.Errors, field string, b Basis, zhFormat, enFormat string, args ...any) {
	errs.Add(field, fmt.Sprintf(zhFormat, args...)+"（"+b.Zh()+"）", fmt.Sprintf(enFormat, args...)+" ("+b.En()+")")
}

// unitEN names a day unit in English.
func unitEN(working bool) string {
	if working {
		return "working days"
	}
	return "days"
}

func percent(errs *valid.Errors, field, zh, en string, v int) {
	if v < 0 || v > 100 {
		errs.Addf(field, zh+"应在 0 至 100 之间，而不是 %d", en+" must be 0 to 100, not %d", v)
	}
}

func positive(errs *valid.Errors, field, zh, en string, v int) {
	if v <= 0 {
		errs.Addf(field, zh+"必须大于零，而不是 %d", en+" must be positive, not %d", v)
	}
}

// MinValidBids returns the minimum number of valid bids for m, or 0 when
// the policy has no rule for m (Validate and CheckMethod rule that out).
func (p Policy) MinValidBids(m Method) int {
	r, _ := p.Rule(m)
	return r.MinValidBids
}

// WindowEnd returns the end of m's minimum window after a notice published
// at t: 24:00 of the WindowDays-th (working) day after the publication day.
// A method without a rule gives the end of the publication day.
func (p Policy) WindowEnd(m Method, published time.Time) time.Time {
	r, _ := p.Rule(m)
	cal := p.Calendar()
	if r.WindowWorkingDays {
		return cal.AddWorkingDays(published, r.WindowDays)
	}
	return cal.AddDays(published, r.WindowDays)
}

// CheckBidDeadline refuses a bid deadline (for single source, the end of
// the public notice) before the last day of m's window. The publication
// day is not counted and a deadline on the last day is enough, e.g. a
// tender published on 1 March may close at 09:30 on 21 March (政府采购法
// Art. 35 read with 民法典 Art. 201).
func (p Policy) CheckBidDeadline(m Method, published, deadline time.Time) error {
	var errs valid.Errors
	r, ok := p.Rule(m)
	if !ok {
		return CheckMethod(m)
	}
	end := p.WindowEnd(m, published)
	if !deadline.Before(end.Add(-p.Day)) {
		return nil
	}
	law, _ := floorOf(m)
	unit := "日"
	if r.WindowWorkingDays {
		unit = "个工作日"
	}
	last := end.Add(-p.Day).In(Shanghai).Format("2006-01-02 15:04:05")
	errs.Add("deadline",
		fmt.Sprintf("%s自公告发布之日起不得少于 %d %s，截止时间不得早于 %s（%s）", m.ZhName(), r.WindowDays, unit, last, law.windowBasis.Zh()),
		fmt.Sprintf("a %s needs at least %d %s after the notice: the deadline cannot be before %s (%s)", m.EnName(), r.WindowDays, unitEN(r.WindowWorkingDays), last, law.windowBasis.En()))
	return errs
}

// AmendmentDays returns the least number of calendar days that must
// separate a change of m's documents that may affect bids from the bid
// deadline, with its legal basis. Single source has no competing bids to
// prepare, so no such period (0).
func AmendmentDays(m Method) (int, Basis) {
	switch m {
	case MethodOpenTender:
		return LawOpenTenderAmendmentDays, BasisOpenTenderAmendment
	case MethodConsultation:
		return LawConsultationAmendmentDays, BasisConsultationAmendment
	}
	return 0, BasisLocal
}

// CheckAmendedDeadline refuses a bid deadline too close to a change of the
// documents published at changed that may affect the preparation of bids:
// like the tender window, the day of the change is not counted and a
// deadline on the last day is enough (a change on 1 March allows 16 March).
func (p Policy) CheckAmendedDeadline(m Method, changed, deadline time.Time) error {
	days, basis := AmendmentDays(m)
	if days == 0 {
		return nil
	}
	end := p.Calendar().AddDays(changed, days)
	if !deadline.Before(end.Add(-p.Day)) {
		return nil
	}
	var errs valid.Errors
	last := end.Add(-p.Day).In(Shanghai).Format("2006-01-02 15:04:05")
	addLaw(&errs, "bidDeadline", basis, "澄清或修改可能影响投标的，须在截止时间至少 %d 日前发出：截止时间不得早于 %s",
		"a clarification or change that may affect bids must come at least %d days before the deadline: the deadline cannot be before %s", days, last)
	return errs
}

// CheckPriceWeight refuses a price weight outside the policy's range.
func (p Policy) CheckPriceWeight(w int) error {
	if w >= p.PriceWeightMin && w <= p.PriceWeightMax {
		return nil
	}
	var errs valid.Errors
	addLaw(&errs, "priceWeight", BasisPriceWeight, "价格权重应在 %d%% 至 %d%% 之间，而不是 %d%%",
		"the price weight must be %d%% to %d%%, not %d%%", p.PriceWeightMin, p.PriceWeightMax, w)
	return errs
}

// ContractTermEnd returns the latest end of a contract starting at start:
// the statutory calendar gives 24:00 of the day before the MaxContractYears
// anniversary of the start day (2025-03-01 → 2028-03-01 00:00), a
// compressed one start + MaxContractYears×365 days.
func (p Policy) ContractTermEnd(start time.Time) time.Time {
	if p.CalendarKind == CalendarCompressed {
		return p.Calendar().AddDays(start, p.MaxContractYears*365)
	}
	return StartOfDay(start).AddDate(p.MaxContractYears, 0, 0)
}

// CheckContractTerm refuses a service period that ends before it starts or
// lasts longer than the policy's longest term.
func (p Policy) CheckContractTerm(start, end time.Time) error {
	var errs valid.Errors
	switch {
	case !end.After(start):
		errs.Add("serviceEnd", "服务期结束时间必须晚于开始时间", "the service period must end after it starts")
	case end.After(p.ContractTermEnd(start)):
		addLaw(&errs, "serviceEnd", BasisContractTerm, "服务期不得超过 %d 年", "the service period cannot exceed %d years", p.MaxContractYears)
	}
	return errs.Err()
}

// EvaluationDeadline returns when the panel must finish, after bids are opened at t.
func (p Policy) EvaluationDeadline(opened time.Time) time.Time {
	return p.Calendar().AddWorkingDays(opened, p.EvaluationWorkingDays)
}

// ChallengeDeadline returns the end of the challenge window after the award notice at t.
func (p Policy) ChallengeDeadline(notified time.Time) time.Time {
	return p.Calendar().AddWorkingDays(notified, p.ChallengeWorkingDays)
}

// AnswerDeadline returns when a challenge received at t must be answered.
func (p Policy) AnswerDeadline(received time.Time) time.Time {
	return p.Calendar().AddWorkingDays(received, p.AnswerWorkingDays)
}

// SigningDeadline returns when the contract must be signed after the award notice at t.
func (p Policy) SigningDeadline(notified time.Time) time.Time {
	return p.Calendar().AddDays(notified, p.SigningDays)
}

// ReportDeadline returns the latest time for the report of a milestone due at t.
func (p Policy) ReportDeadline(due time.Time) time.Time {
	return p.Calendar().AddDays(due, p.ReportGraceDays)
}

// NextInspection returns when the inspection after the one at t is due.
func (p Policy) NextInspection(last time.Time) time.Time {
	return p.Calendar().AddDays(last, p.InspectionIntervalDays)
}

// RectificationDeadline returns when findings notified at t must be fixed.
func (p Policy) RectificationDeadline(notified time.Time) time.Time {
	return p.Calendar().AddDays(notified, p.RectificationDays)
}
