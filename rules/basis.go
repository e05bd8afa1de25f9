// Package rules owns the business rules of government purchase of
// disability-assistance services (政府购买助残服务) as pure, deterministic
// functions, and the typed, validated Policy that holds their numbers.
//
// Everything here may be called from Temporal workflow code: nothing reads
// the clock, draws random numbers, depends on map iteration order or does
// I/O, except parsing the embedded holiday files once at package init.
// Money is in fen (分, int64), scores in hundredths of a point (Points), and
// calendar dates are dates in Shanghai (UTC+8).
//
// Each statutory number is a Law* constant next to its Basis (instrument,
// article, date of effect, and whether the text was checked or is still to
// be verified); Validate refuses a Policy that is looser than the law.
package rules

import "strings"

// BasisStatus says how far a rule's legal basis has been confirmed.
type BasisStatus string

// Basis statuses, as in /work/shared/rules/statutory.md.
const (
	// Checked means the article was read in the text or a faithful quotation.
	Checked BasisStatus = "checked"
	// ToVerify means widely known practice, not yet read in the original.
	ToVerify BasisStatus = "to_verify"
	// LocalPractice means no national rule: the number is configurable.
	LocalPractice BasisStatus = "local_practice"
)

// Basis is the legal basis of a rule: instrument, article, date of effect.
type Basis struct {
	// Law is the instrument's Chinese title, e.g. 《中华人民共和国政府采购法》.
	Law string `json:"law"`
	// LawEN is the instrument's English title.
	LawEN string `json:"lawEn"`
	// Article is the article in Chinese, e.g. 第三十五条; empty when none.
	Article string `json:"article,omitempty"`
	// ArticleEN is the article in English, e.g. Art. 35.
	ArticleEN string `json:"articleEn,omitempty"`
	// Effective is the date the cited text took effect (YYYY-MM-DD).
	Effective string `json:"effective,omitempty"`
	// Status says whether the basis was checked.
	Status BasisStatus `json:"status"`
}

// Zh renders the basis for Chinese messages, e.g. 《政府采购法》第三十五条.
func (b Basis) Zh() string {
	return b.Law + b.Article
}

// En renders the basis for English messages, e.g. Government Procurement Law Art. 35.
func (b Basis) En() string {
	return strings.TrimSpace(b.LawEN + " " + b.ArticleEN)
}

// Instruments cited below, with their dates of effect.
const (
	lawGPL   = "《中华人民共和国政府采购法》"
	lawGPLEN = "Government Procurement Law of the PRC"
	// The Government Procurement Law took effect on 2003-01-01 and was
	// amended on 2014-08-31 (effective the same day); the articles cited
	// here were not changed by the amendment.
	effGPL = "2003-01-01"

	lawGPLReg   = "《中华人民共和国政府采购法实施条例》（国务院令第658号）"
	lawGPLRegEN = "Implementing Regulations of the Government Procurement Law (State Council Decree 658)"
	effGPLReg   = "2015-03-01"

	law87   = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"
	law87EN = "Measures for Tendering of Government Procurement of Goods and Services (MOF Decree 87)"
	eff87   = "2017-10-01"

	law94   = "《政府采购质疑和投诉办法》（财政部令第94号）"
	law94EN = "Measures for Challenges and Complaints in Government Procurement (MOF Decree 94)"
	eff94   = "2018-03-01"

	law102   = "《政府购买服务管理办法》（财政部令第102号）"
	law102EN = "Measures for Government Purchase of Services (MOF Decree 102)"
	eff102   = "2020-03-01"

	law214   = "《政府采购竞争性磋商采购方式管理暂行办法》（财库〔2014〕214号）"
	law214EN = "Interim Measures for Competitive Consultation in Government Procurement (Caiku [2014] 214)"
	eff214   = "2014-12-31"

	lawPerf   = "《项目支出绩效评价管理办法》（财预〔2020〕10号）"
	lawPerfEN = "Measures for Performance Evaluation of Project Expenditure (Caiyu [2020] 10)"
	effPerf   = "2020-02-25"

	lawCivil   = "《中华人民共和国民法典》"
	lawCivilEN = "Civil Code of the PRC"
	effCivil   = "2021-01-01"

	lawLocal   = "地方实践（可配置）"
	lawLocalEN = "local practice (configurable)"
)

// Statutory numbers. A Policy may be stricter than these, never looser.
const (
	// LawMaxContractYears is the longest contract term, for stable,
	// continuous services with a guaranteed budget (normally 1 year);
	// BasisContractTerm, checked.
	LawMaxContractYears = 3
	// LawOpenTenderWindowDays is the minimum number of calendar days from
	// issuing tender documents to the bid deadline; BasisOpenTenderWindow, checked.
	LawOpenTenderWindowDays = 20
	// LawConsultationWindowDays is the minimum number of calendar days from
	// issuing consultation documents to the first responses;
	// BasisConsultationWindow, to verify.
	LawConsultationWindowDays = 10
	// LawSingleSourceNoticeWorkingDays is the minimum single-source public
	// notice period, in working days; BasisSingleSourceNotice, to verify.
	LawSingleSourceNoticeWorkingDays = 5
	// LawOpenTenderMinBids is the minimum number of valid bids in an open
	// tender; fewer fails the round; BasisOpenTenderMinBids, to verify.
	LawOpenTenderMinBids = 3
	// LawConsultationMinBids is the minimum number of suppliers in a
	// competitive consultation; BasisConsultationMinBids, to verify.
	LawConsultationMinBids = 3
	// LawSingleSourceMinBids is the single supplier of a single-source purchase.
	LawSingleSourceMinBids = 1
	// LawOpenTenderPanelMin is the minimum (odd) open-tender panel;
	// BasisOpenTenderPanel, to verify.
	LawOpenTenderPanelMin = 5
	// LawOpenTenderPanelMinLarge is the minimum (odd) open-tender panel when
	// the budget is at least LawOpenTenderLargeFen (or the project is
	// complex or of wide social impact); BasisOpenTenderPanel, to verify.
	LawOpenTenderPanelMinLarge = 7
	// LawOpenTenderLargeFen is 10 million yuan in fen; 以上 includes the
	// amount itself (民法典 Art. 1259).
	LawOpenTenderLargeFen int64 = 1_000_000_000
	// LawConsultationPanelMin is the minimum (odd) consultation panel;
	// BasisConsultationPanel, to verify.
	LawConsultationPanelMin = 3
	// LawSingleSourcePanelMin is the floor for a single-source panel: the law
	// asks for no panel, only "专业人员" negotiating the price.
	LawSingleSourcePanelMin = 1
	// LawPriceWeightMin is the lowest price weight (percent) for services
	// under the comprehensive scoring method; BasisPriceWeight, checked.
	LawPriceWeightMin = 10
	// LawPriceWeightMax is the highest price weight (percent) for services;
	// BasisPriceWeight, checked.
	LawPriceWeightMax = 30
	// LawChallengeWorkingDays is the window in which a supplier may
	// challenge, from knowing of the harm; BasisChallenge, checked.
	LawChallengeWorkingDays = 7
	// LawAnswerWorkingDays is the buyer's deadline to answer a challenge;
	// BasisAnswer, checked.
	LawAnswerWorkingDays = 7
	// LawSigningDays is the deadline, in days after the award notice, to
	// sign; BasisSigning, to verify.
	LawSigningDays = 30
	// LawOpenTenderAmendmentDays is the least number of calendar days
	// between a clarification or change of the tender documents that may
	// affect the preparation of bids and the bid deadline; a later change
	// moves the deadline; BasisOpenTenderAmendment, to verify.
	LawOpenTenderAmendmentDays = 15
	// LawConsultationAmendmentDays is the same for consultation documents
	// and the first responses; BasisConsultationAmendment, to verify.
	LawConsultationAmendmentDays = 5
)

// Legal bases of the rules, one per rule.
var (
	// BasisContractTerm: 102号令 Art. 24 (eff. 2020-03-01), checked.
	BasisContractTerm = Basis{law102, law102EN, "第二十四条", "Art. 24", eff102, Checked}
	// BasisOpenTenderWindow: 政府采购法 Art. 35 (eff. 2003-01-01), checked.
	BasisOpenTenderWindow = Basis{lawGPL, lawGPLEN, "第三十五条", "Art. 35", effGPL, Checked}
	// BasisConsultationWindow: 财库〔2014〕214号 Art. 10 (eff. 2014-12-31), to verify.
	BasisConsultationWindow = Basis{law214, law214EN, "第十条", "Art. 10", eff214, ToVerify}
	// BasisSingleSourceNotice: 实施条例 Art. 38 (eff. 2015-03-01), to verify.
	BasisSingleSourceNotice = Basis{lawGPLReg, lawGPLRegEN, "第三十八条", "Art. 38", effGPLReg, ToVerify}
	// BasisOpenTenderMinBids: 政府采购法 Art. 36 and 87号令 Art. 43, to verify.
	BasisOpenTenderMinBids = Basis{lawGPL, lawGPLEN, "第三十六条", "Art. 36", effGPL, ToVerify}
	// BasisConsultationMinBids: 财库〔2014〕214号 Art. 6 (eff. 2014-12-31), to
	// verify; 财库〔2015〕124号 lets a purchase of services go on with 2.
	BasisConsultationMinBids = Basis{law214, law214EN, "第六条", "Art. 6", eff214, ToVerify}
	// BasisOpenTenderPanel: 87号令 Art. 47 (eff. 2017-10-01), to verify.
	BasisOpenTenderPanel = Basis{law87, law87EN, "第四十七条", "Art. 47", eff87, ToVerify}
	// BasisConsultationPanel: 财库〔2014〕214号 Art. 14 (eff. 2014-12-31), to verify.
	BasisConsultationPanel = Basis{law214, law214EN, "第十四条", "Art. 14", eff214, ToVerify}
	// BasisSingleSourcePanel: local practice; an odd panel of at least 3
	// experts records the price negotiation (the law requires none).
	BasisSingleSourcePanel = Basis{lawLocal, lawLocalEN, "", "", "", LocalPractice}
	// BasisPriceWeight: 87号令 Art. 55 (eff. 2017-10-01), checked.
	BasisPriceWeight = Basis{law87, law87EN, "第五十五条", "Art. 55", eff87, Checked}
	// BasisPriceScore: 87号令 Art. 55 (eff. 2017-10-01), wording to verify.
	BasisPriceScore = Basis{law87, law87EN, "第五十五条", "Art. 55", eff87, ToVerify}
	// BasisAbnormallyLow: 87号令 Art. 60 (eff. 2017-10-01), to verify: the
	// panel must ask for a written explanation; the threshold is local.
	BasisAbnormallyLow = Basis{law87, law87EN, "第六十条", "Art. 60", eff87, ToVerify}
	// BasisChallenge: 政府采购法 Art. 52 and 94号令 Art. 10, checked.
	BasisChallenge = Basis{lawGPL, lawGPLEN, "第五十二条", "Art. 52", effGPL, Checked}
	// BasisAnswer: 政府采购法 Art. 53 and 94号令 Art. 13, checked.
	BasisAnswer = Basis{lawGPL, lawGPLEN, "第五十三条", "Art. 53", effGPL, Checked}
	// BasisChallengeDecree is 94号令 (eff. 2018-03-01), which details Arts. 52–53.
	BasisChallengeDecree = Basis{law94, law94EN, "第十条、第十三条", "Arts. 10, 13", eff94, Checked}
	// BasisSigning: 政府采购法 Art. 46 (eff. 2003-01-01), to verify.
	BasisSigning = Basis{lawGPL, lawGPLEN, "第四十六条", "Art. 46", effGPL, ToVerify}
	// BasisOpenTenderAmendment: 87号令 Art. 27 (eff. 2017-10-01), to verify.
	BasisOpenTenderAmendment = Basis{law87, law87EN, "第二十七条", "Art. 27", eff87, ToVerify}
	// BasisConsultationAmendment: 财库〔2014〕214号 Art. 10 (eff. 2014-12-31), to verify.
	BasisConsultationAmendment = Basis{law214, law214EN, "第十条", "Art. 10", eff214, ToVerify}
	// BasisGradeBands: 财预〔2020〕10号 practice (优/良/中/差), configurable.
	BasisGradeBands = Basis{lawPerf, lawPerfEN, "", "", effPerf, LocalPractice}
	// BasisPeriod: 民法典 Arts. 201 and 203 (eff. 2021-01-01): the first day
	// of a period is not counted and its last day ends at 24:00.
	BasisPeriod = Basis{lawCivil, lawCivilEN, "第二百零一条、第二百零三条", "Arts. 201, 203", effCivil, ToVerify}
	// BasisLocal is the basis of numbers set by local practice.
	BasisLocal = Basis{lawLocal, lawLocalEN, "", "", "", LocalPractice}
)
