package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"zhucan/analytics"
	"zhucan/export"
	"zhucan/store"
	"zhucan/valid"
)

func (s *Server) analyticsRoutes() {
	s.mux.HandleFunc("GET /api/v1/analytics/years", s.yearFigures)
	s.mux.HandleFunc("GET /api/v1/analytics/areas", s.areaFigures)
	s.mux.HandleFunc("GET /api/v1/analytics/suppliers", s.roles(s.supplierFigures, "admin", "officer"))
	s.mux.HandleFunc("GET /api/v1/analytics/recommendation", s.roles(s.recommendation, "admin", "officer"))
	s.mux.HandleFunc("GET /api/v1/exports/{kind}", s.roles(s.exportTable, "admin", "officer"))
}

// fiscalYear reads ?fiscalYear= (default: this year in Beijing time).
func (s *Server) fiscalYear(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("fiscalYear")
	if v == "" {
		return time.Now().In(shanghai).Year(), true
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		s.invalid(w, r, fieldErr("fiscalYear", "年度须为 2000 到 2100 之间的整数", "fiscalYear must be a year between 2000 and 2100"))
		return 0, false
	}
	return y, true
}

// FigureList is a list of budget-performance figures.
type FigureList struct {
	// FiscalYear is the year, 0 for all years.
	FiscalYear int `json:"fiscalYear"`
	// Items are the figures.
	Items []store.Figures `json:"items"`
}

func (s *Server) yearFigures(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	fs, err := s.db.YearFigures(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, FigureList{Items: fs})
}

func (s *Server) areaFigures(w http.ResponseWriter, r *http.Request) {
	y, ok := s.fiscalYear(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	fs, err := s.db.AreaFigures(ctx, y)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, FigureList{FiscalYear: y, Items: fs})
}

func (s *Server) supplierFigures(w http.ResponseWriter, r *http.Request) {
	y, ok := s.fiscalYear(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	fs, err := s.db.SupplierFigures(ctx, y)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, FigureList{FiscalYear: y, Items: fs})
}

// Recommendation is next year's proposed budget by service area.
type Recommendation struct {
	// FiscalYear is the year whose record the proposal reads.
	FiscalYear int `json:"fiscalYear"`
	// Policy is the formula's numbers.
	Policy analytics.Policy `json:"policy"`
	// Formula explains the formula in Chinese.
	FormulaZH string `json:"formulaZh"`
	// FormulaEN explains it in English.
	FormulaEN string `json:"formulaEn"`
	// Items are the proposals with their reasons.
	Items []analytics.AreaRecommendation `json:"items"`
}

const formulaZH = "需求＝本领域服务人数÷各领域最多服务人数；效果＝期末绩效平均分÷100；满意度＝满意人数÷受访人数（无数据时取其他领域平均值）。综合得分＝(需求×需求权重＋效果×效果权重＋满意度×满意度权重)÷100。各领域保留本年预算的(100−调剂比例)%，调剂资金按“综合得分×本年预算”比例分配，合计不变。"
const formulaEN = "Demand = the area's beneficiaries ÷ the most of any area; effect = mean final performance score ÷ 100; satisfaction = satisfied ÷ surveyed (the mean of other areas where data is missing). Score = (demand×wD + effect×wE + satisfaction×wS) ÷ 100. Each area keeps (100 − share)% of this year's budget; the pooled share is split by score × budget; the total is unchanged."

func (s *Server) recommendation(w http.ResponseWriter, r *http.Request) {
	y, ok := s.fiscalYear(w, r)
	if !ok {
		return
	}
	pol := analytics.DefaultPolicy()
	q := r.URL.Query()
	var fe valid.Errors
	for _, p := range []struct {
		name string
		dst  *int
	}{{"sharePercent", &pol.SharePercent}, {"floorPercent", &pol.FloorPercent}, {"weightDemand", &pol.WeightDemand},
		{"weightEffect", &pol.WeightEffect}, {"weightSatisfaction", &pol.WeightSatisfaction}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				fe.Add(p.name, "须为整数", "must be an integer")
			}
			*p.dst = n
		}
	}
	if len(fe) > 0 {
		s.invalid(w, r, fe)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	fs, err := s.db.AreaFigures(ctx, y)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var in []analytics.AreaInput
	names := map[string]string{}
	for _, f := range fs {
		if f.Key == "general" {
			continue
		}
		names[f.Key] = f.Name
		a := analytics.AreaInput{Area: f.Key, BudgetFen: f.BudgetFen, Beneficiaries: f.Beneficiaries, Satisfied: f.Satisfied, Surveyed: f.Surveyed}
		if f.MeanScoreCenti != nil {
			a.MeanScoreCenti, a.HasScore = *f.MeanScoreCenti, true
		}
		in = append(in, a)
	}
	items, err := analytics.Recommend(in, pol)
	if fe, ok := valid.As(err); ok {
		s.invalid(w, r, fe)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	rec := Recommendation{FiscalYear: y, Policy: pol, FormulaZH: formulaZH, FormulaEN: formulaEN, Items: items}
	switch q.Get("format") {
	case "", "json":
		s.writeJSON(w, http.StatusOK, rec)
	case "csv", "xlsx":
		s.writeRecommendation(w, r, rec, names, q.Get("format"))
	default:
		s.invalid(w, r, fieldErr("format", "格式须为 json、csv 或 xlsx", "format must be json, csv or xlsx"))
	}
}

func (s *Server) writeRecommendation(w http.ResponseWriter, r *http.Request, rec Recommendation, names map[string]string, format string) {
	en := english(r)
	sheet, err := s.sheet(w, format, fmt.Sprintf("budget-recommendation-%d", rec.FiscalYear+1))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	head := []any{"服务领域", "本年预算（元）", "建议预算（元）", "增减（元）", "需求‰", "效果‰", "满意度‰", "综合得分‰", "理由"}
	if en {
		head = []any{"Area", "Budget this year (yuan)", "Proposed (yuan)", "Change (yuan)", "Demand ‰", "Effect ‰", "Satisfaction ‰", "Score ‰", "Reason"}
	}
	_ = sheet.Row(head)
	for _, it := range rec.Items {
		reason := it.ReasonZH
		if en {
			reason = it.ReasonEN
		}
		_ = sheet.Row([]any{names[it.Area], fenYuan(it.CurrentFen), fenYuan(it.ProposedFen), fenYuan(it.ChangeFen), it.DemandPermille,
			it.EffectPermille, it.SatisfactionPermille, it.ScorePermille, reason})
	}
	formula := rec.FormulaZH
	if en {
		formula = rec.FormulaEN
	}
	_ = sheet.Row([]any{formula})
	if err := sheet.Close(); err != nil {
		s.log.ErrorContext(r.Context(), "write recommendation", "err", err)
	}
}

func fenYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// sheet starts a download of format (csv or xlsx) named name.
func (s *Server) sheet(w http.ResponseWriter, format, name string) (export.Sheet, error) {
	if format == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
		return export.NewXLSX(w, "data")
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	return export.NewCSV(w)
}

// exportTable streams a table (purchases, contracts, milestones, payments,
// inspections, evaluations) filtered like the purchase list.
func (s *Server) exportTable(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if _, ok := export.Columns[kind]; !ok {
		s.problem(w, r, http.StatusNotFound, "没有这种导出", "No such export", "purchases, contracts, milestones, payments, inspections or evaluations", nil)
		return
	}
	f, fe := purchaseFilter(q)
	if format != "csv" && format != "xlsx" {
		fe.Add("format", "格式须为 csv 或 xlsx", "format must be csv or xlsx")
	}
	if len(fe) > 0 {
		s.invalid(w, r, fe)
		return
	}
	sheet, err := s.sheet(w, format, kind)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	// Streaming: once rows flow the status is sent; a failure midway can
	// only cut the file short, and is logged.
	if err := export.Write(r.Context(), s.db, kind, f, english(r), sheet); err != nil {
		s.log.ErrorContext(r.Context(), "export failed midway", "kind", kind, "err", err)
	}
}
