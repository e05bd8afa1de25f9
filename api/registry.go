package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/lib/pq"

	"zhucan/catalog"
	"zhucan/store"
	"zhucan/valid"
)

func (s *Server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.timeout)
}

// storeError answers a store error: field errors are 422, a missing row 404.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	if fe, ok := valid.As(err); ok {
		s.invalid(w, r, fe)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		s.problem(w, r, http.StatusNotFound, "找不到", "Not found", "", nil)
		return
	}
	s.internalError(w, r, err)
}

// UserView is an account as the API shows it.
type UserView struct {
	// ID is the user's number.
	ID int64 `json:"id"`
	// Name is the sign-in name.
	Name string `json:"name"`
	// Role is admin, officer, supplier or evaluator.
	Role string `json:"role"`
	// SupplierID is the organisation of a supplier user.
	SupplierID *int64 `json:"supplierId,omitempty"`
	// Token is the API token, shown once at creation.
	Token string `json:"token,omitempty"`
}

func userView(u store.User) UserView {
	return UserView{ID: u.ID, Name: u.Name, Role: u.Role, SupplierID: u.SupplierID}
}

// CreateUserRequest is the body of POST /api/v1/users.
type CreateUserRequest struct {
	// Name is the sign-in name.
	Name string `json:"name" validate:"required,max=100"`
	// Role is admin, officer, supplier or evaluator.
	Role string `json:"role" validate:"required,oneof=admin officer supplier evaluator"`
	// Password is the web password (at least 8 characters), optional.
	Password string `json:"password,omitempty" validate:"omitempty,min=8,max=200"`
	// SupplierID binds a supplier user to its organisation.
	SupplierID *int64 `json:"supplierId,omitempty" validate:"omitempty,min=1"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var req CreateUserRequest
	if !s.decode(w, r, &req) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	u := store.User{Name: req.Name, Role: req.Role, SupplierID: req.SupplierID}
	if req.Password != "" {
		h, err := store.HashPassword(req.Password)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		u.PasswordHash = &h
	}
	token, err := store.NewToken()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	u, err = s.db.CreateUserWithToken(ctx, s.valid, u, token)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	v := userView(u)
	v.Token = token
	w.Header().Set("Location", fmt.Sprintf("/api/v1/users/%d", u.ID))
	s.writeJSON(w, http.StatusCreated, v)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	role := r.URL.Query().Get("role")
	switch role {
	case "", "admin", "officer", "supplier", "evaluator":
	default:
		s.invalid(w, r, fieldErr("role", "未知的角色", "unknown role"))
		return
	}
	us, err := s.db.ListUsers(ctx, role)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := make([]UserView, len(us))
	for i, u := range us {
		out[i] = userView(u)
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, userView(*caller(r.Context())))
}

// CreateSupplierRequest is the body of POST /api/v1/suppliers.
type CreateSupplierRequest struct {
	// Name is the registered name.
	Name string `json:"name" validate:"required,max=200"`
	// CreditCode is the 18-character unified social credit code.
	CreditCode string `json:"creditCode" validate:"required"`
	// Qualifications are the qualification codes held.
	Qualifications []string `json:"qualifications" validate:"dive,required,max=60"`
	// Contact is a contact person and telephone.
	Contact string `json:"contact" validate:"max=200"`
	// WelfareUnit marks a disability-welfare unit.
	WelfareUnit bool `json:"welfareUnit"`
}

func (s *Server) createSupplier(w http.ResponseWriter, r *http.Request) {
	var req CreateSupplierRequest
	if !s.decode(w, r, &req) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	sp, err := s.db.CreateSupplier(ctx, s.valid, store.Supplier{Name: req.Name, CreditCode: req.CreditCode,
		Qualifications: pq.StringArray(req.Qualifications), Contact: req.Contact, WelfareUnit: req.WelfareUnit})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/suppliers/%d", sp.ID))
	s.writeJSON(w, http.StatusCreated, sp)
}

func (s *Server) listSuppliers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	ss, err := s.db.ListSuppliers(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if ss == nil {
		ss = []store.Supplier{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"items": ss})
}

// SupplierView is an organisation with its performance record.
type SupplierView struct {
	store.Supplier
	// Record is its performance record: grades, delays, terminations, forfeits.
	Record PerformanceRecord `json:"record"`
}

// PerformanceRecord summarises an organisation's record for officers.
type PerformanceRecord struct {
	// Grades counts final grades by grade.
	Grades map[string]int `json:"grades"`
	// Delays counts milestones reported past their grace period.
	Delays int `json:"delays"`
	// Terminations counts terminated contracts.
	Terminations int `json:"terminations"`
	// Forfeits counts awards it did not sign.
	Forfeits int `json:"forfeits"`
	// Entries are the record's entries, newest first.
	Entries []store.RecordEntry `json:"entries"`
}

func (s *Server) getSupplier(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	u := caller(r.Context())
	if u.Role == "supplier" && (u.SupplierID == nil || *u.SupplierID != id) {
		s.problem(w, r, http.StatusForbidden, "只能查看本机构", "You may see only your own organisation", "", nil)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	sp, err := s.db.SupplierByID(ctx, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	entries, err := s.db.SupplierRecord(ctx, id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	rec := PerformanceRecord{Grades: map[string]int{}, Entries: entries}
	if rec.Entries == nil {
		rec.Entries = []store.RecordEntry{}
	}
	for _, e := range entries {
		switch e.Kind {
		case "grade":
			var d struct{ Grade string }
			_ = jsonUnmarshal(e.Detail, &d)
			rec.Grades[d.Grade]++
		case "delay":
			rec.Delays++
		case "termination":
			rec.Terminations++
		case "forfeit":
			rec.Forfeits++
		}
	}
	s.writeJSON(w, http.StatusOK, SupplierView{Supplier: sp, Record: rec})
}

// DishonestyRequest puts an organisation on or off the dishonesty list.
type DishonestyRequest struct {
	// Dishonest is true to list it.
	Dishonest bool `json:"dishonest"`
	// Reason cites the decision.
	Reason string `json:"reason" validate:"required,max=500"`
}

func (s *Server) setDishonesty(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var req DishonestyRequest
	if !s.decode(w, r, &req) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if _, err := s.db.SupplierByID(ctx, id); err != nil {
		s.storeError(w, r, err)
		return
	}
	if err := s.db.SetDishonest(ctx, id, req.Dishonest, req.Reason); err != nil {
		s.internalError(w, r, err)
		return
	}
	sp, err := s.db.SupplierByID(ctx, id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, sp)
}

// CreateBudgetRequest is the body of POST /api/v1/budgets.
type CreateBudgetRequest struct {
	// Name names the line.
	Name string `json:"name" validate:"required,max=200"`
	// FiscalYear is the budget year.
	FiscalYear int `json:"fiscalYear" validate:"min=2000,max=2100"`
	// Category is the service area the line funds, or "general".
	Category string `json:"category" validate:"required,max=40"`
	// AmountFen is the appropriation in fen.
	AmountFen int64 `json:"amountFen" validate:"min=0,max=100000000000000"`
}

func (s *Server) createBudget(w http.ResponseWriter, r *http.Request) {
	var req CreateBudgetRequest
	if !s.decode(w, r, &req) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if req.Category != "general" {
		c, err := s.db.Catalogue(ctx, req.FiscalYear)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.internalError(w, r, err)
			return
		}
		if _, ok := c.Area(req.Category); !ok {
			if _, ok := s.anyArea(ctx, req.Category); !ok {
				s.invalid(w, r, fieldErr("category", "未知的服务领域", "unknown service area (or use general)"))
				return
			}
		}
	}
	b, err := s.db.CreateBudget(ctx, s.valid, store.Budget{Name: req.Name, FiscalYear: req.FiscalYear, Category: req.Category, AmountFen: req.AmountFen})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/budgets/%d", b.ID))
	s.writeJSON(w, http.StatusCreated, b)
}

// anyArea looks for an area code in every catalogue year.
func (s *Server) anyArea(ctx context.Context, code string) (catalog.Area, bool) {
	years, err := s.db.CatalogueYears(ctx)
	if err != nil {
		return catalog.Area{}, false
	}
	for _, y := range years {
		if c, err := s.db.Catalogue(ctx, y); err == nil {
			if a, ok := c.Area(code); ok {
				return a, true
			}
		}
	}
	return catalog.Area{}, false
}

func (s *Server) listBudgets(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	bs, err := s.db.ListBudgets(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if bs == nil {
		bs = []store.Budget{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"items": bs})
}

func (s *Server) getBudget(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	b, err := s.db.BudgetByID(ctx, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, b)
}

func (s *Server) addCatalogItem(w http.ResponseWriter, r *http.Request) {
	var it catalog.Item
	if !s.decode(w, r, &it) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if err := s.db.AddCatalogItem(ctx, s.valid, it); err != nil {
		s.storeError(w, r, err)
		return
	}
	got, err := s.db.CatalogItem(ctx, it.Year, it.Code)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/catalog?year="+strconv.Itoa(it.Year))
	s.writeJSON(w, http.StatusCreated, got)
}
