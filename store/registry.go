package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhucan/rules"
	"zhucan/valid"
)

// Supplier is a social organisation (社会组织) registered to bid.
type Supplier struct {
	// ID is assigned by the database.
	ID int64 `db:"id" json:"id"`
	// CreditCode is the 18-character unified social credit code.
	CreditCode string `db:"credit_code" json:"creditCode" validate:"required,len=18"`
	// Name is the registered name.
	Name string `db:"name" json:"name" validate:"required,max=200"`
	// Qualifications are the qualification codes held.
	Qualifications pq.StringArray `db:"qualifications" json:"qualifications" validate:"dive,required,max=60"`
	// Contact is a contact person and telephone.
	Contact string `db:"contact" json:"contact" validate:"max=200"`
	// WelfareUnit marks a disability-welfare unit (福利单位).
	WelfareUnit bool `db:"welfare_unit" json:"welfareUnit"`
	// Dishonest marks an organisation on the dishonesty list (失信名单).
	Dishonest bool `db:"dishonest" json:"dishonest"`
	// DishonestReason says why.
	DishonestReason string `db:"dishonest_reason" json:"dishonestReason,omitempty"`
	// CreatedAt is when it was registered.
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
}

// CreateSupplier registers an organisation after checking its credit
// code's check digit and that its qualifications exist. A credit code
// registered before is refused with a field error.
func (db *DB) CreateSupplier(ctx context.Context, v *valid.Validator, s Supplier) (Supplier, error) {
	s.CreditCode = rules.NormalizeCreditCode(s.CreditCode)
	if s.Qualifications == nil {
		s.Qualifications = pq.StringArray{}
	}
	if err := v.Struct(s); err != nil {
		return s, err
	}
	var errs valid.Errors
	if err := rules.CheckCreditCode(s.CreditCode); err != nil {
		if fe, ok := valid.As(err); ok {
			for _, f := range fe {
				errs.Add("creditCode", f.Message, f.MessageEN)
			}
		} else {
			errs.Add("creditCode", err.Error(), err.Error())
		}
	}
	for i, q := range s.Qualifications {
		var ok bool
		if err := db.X.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM qualifications WHERE code = $1)`, q); err != nil {
			return s, fmt.Errorf("look up qualification %s: %w", q, err)
		}
		if !ok {
			errs.Addf(fmt.Sprintf("qualifications[%d]", i), "未知的资质 %q", "unknown qualification %q", q)
		}
	}
	if len(errs) > 0 {
		return s, errs
	}
	err := db.X.GetContext(ctx, &s, `INSERT INTO suppliers (credit_code, name, qualifications, contact, welfare_unit, dishonest, dishonest_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credit_code) DO NOTHING
		RETURNING id, credit_code, name, qualifications, contact, welfare_unit, dishonest, dishonest_reason, created_at`,
		s.CreditCode, s.Name, s.Qualifications, s.Contact, s.WelfareUnit, s.Dishonest, s.DishonestReason)
	if errors.Is(err, sql.ErrNoRows) {
		errs.Add("creditCode", "该统一社会信用代码已登记", "an organisation with this credit code is already registered")
		return s, errs
	}
	if err != nil {
		return s, fmt.Errorf("insert supplier %s: %w", s.CreditCode, err)
	}
	return s, nil
}

// SupplierByID reads one organisation.
func (db *DB) SupplierByID(ctx context.Context, id int64) (Supplier, error) {
	var s Supplier
	err := db.X.GetContext(ctx, &s, `SELECT id, credit_code, name, qualifications, contact, welfare_unit, dishonest, dishonest_reason, created_at
		FROM suppliers WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("supplier %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("read supplier %d: %w", id, err)
	}
	return s, nil
}

// SetDishonest puts an organisation on or off the dishonesty list.
func (db *DB) SetDishonest(ctx context.Context, id int64, dishonest bool, reason string) error {
	if _, err := db.X.ExecContext(ctx, `UPDATE suppliers SET dishonest = $2, dishonest_reason = $3, updated_at = now() WHERE id = $1`,
		id, dishonest, reason); err != nil {
		return fmt.Errorf("update dishonesty of supplier %d: %w", id, err)
	}
	return nil
}

// User is a person who uses the system.
type User struct {
	// ID is assigned by the database.
	ID int64 `db:"id" json:"id"`
	// Name is the sign-in name, unique.
	Name string `db:"name" json:"name" validate:"required,max=100"`
	// Role is admin, officer, supplier or evaluator.
	Role string `db:"role" json:"role" validate:"required,oneof=admin officer supplier evaluator"`
	// SupplierID binds a supplier user to its organisation.
	SupplierID *int64 `db:"supplier_id" json:"supplierId,omitempty"`
	// PasswordHash is the hashed web password, if any.
	PasswordHash *string `db:"password_hash" json:"-"`
	// CreatedAt is when the account was made.
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
}

// CreateUser adds an account. A supplier user must name its organisation,
// others must not; a taken name is refused with a field error.
func (db *DB) CreateUser(ctx context.Context, v *valid.Validator, u User) (User, error) {
	return createUser(ctx, db.X, v, u)
}

func createUser(ctx context.Context, q sqlx.QueryerContext, v *valid.Validator, u User) (User, error) {
	if err := v.Struct(u); err != nil {
		return u, err
	}
	var errs valid.Errors
	if (u.Role == "supplier") != (u.SupplierID != nil) {
		errs.Add("supplierId", "供应商账户必须且只有供应商账户绑定社会组织", "a supplier account, and only a supplier account, names its organisation")
		return u, errs
	}
	err := sqlx.GetContext(ctx, q, &u, `INSERT INTO users (name, role, supplier_id, password_hash) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO NOTHING RETURNING id, name, role, supplier_id, password_hash, created_at`,
		u.Name, u.Role, u.SupplierID, u.PasswordHash)
	if errors.Is(err, sql.ErrNoRows) {
		errs.Add("name", "用户名已被使用", "that name is taken")
		return u, errs
	}
	var pqe *pq.Error
	if errors.As(err, &pqe) && pqe.Code == "23503" {
		errs.Add("supplierId", "社会组织不存在", "no such organisation")
		return u, errs
	}
	if err != nil {
		return u, fmt.Errorf("insert user %s: %w", u.Name, err)
	}
	return u, nil
}

// Budget is a budget line with its use.
type Budget struct {
	// ID is assigned by the database.
	ID int64 `db:"id" json:"id"`
	// Name names the line.
	Name string `db:"name" json:"name" validate:"required,max=200"`
	// FiscalYear is the budget year.
	FiscalYear int `db:"fiscal_year" json:"fiscalYear" validate:"min=2000,max=2100"`
	// Category is the service area the line funds.
	Category string `db:"category" json:"category" validate:"required,max=40"`
	// AmountFen is the appropriation.
	AmountFen int64 `db:"amount_fen" json:"amountFen" validate:"min=0"`
	// ReservedFen is reserved by purchases and contracts.
	ReservedFen int64 `db:"reserved_fen" json:"reservedFen"`
	// PaidFen is paid out.
	PaidFen int64 `db:"paid_fen" json:"paidFen"`
	// AvailableFen is what is left: amount − reserved − paid.
	AvailableFen int64 `db:"available_fen" json:"availableFen"`
	// CreatedAt is when the line was entered.
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
}

const budgetColumns = `id, name, fiscal_year, category, amount_fen, reserved_fen, paid_fen,
	amount_fen - reserved_fen - paid_fen AS available_fen, created_at`

// CreateBudget adds a budget line; a name taken in the same year is refused.
func (db *DB) CreateBudget(ctx context.Context, v *valid.Validator, b Budget) (Budget, error) {
	if err := v.Struct(b); err != nil {
		return b, err
	}
	err := db.X.GetContext(ctx, &b, `INSERT INTO budget_lines (name, fiscal_year, category, amount_fen) VALUES ($1, $2, $3, $4)
		ON CONFLICT (fiscal_year, name) DO NOTHING RETURNING `+budgetColumns, b.Name, b.FiscalYear, b.Category, b.AmountFen)
	if errors.Is(err, sql.ErrNoRows) {
		var errs valid.Errors
		errs.Add("name", "该年度已有同名预算科目", "a budget line of that name exists in that year")
		return b, errs
	}
	if err != nil {
		return b, fmt.Errorf("insert budget line %s: %w", b.Name, err)
	}
	return b, nil
}

// BudgetByID reads a budget line with what is reserved, paid and available.
func (db *DB) BudgetByID(ctx context.Context, id int64) (Budget, error) {
	var b Budget
	err := db.X.GetContext(ctx, &b, `SELECT `+budgetColumns+` FROM budget_lines WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("budget line %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("read budget line %d: %w", id, err)
	}
	return b, nil
}

// NextPurchaseID allocates the number of a new purchase.
func (db *DB) NextPurchaseID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.X.GetContext(ctx, &id, `SELECT nextval(pg_get_serial_sequence('purchases', 'id'))`); err != nil {
		return 0, fmt.Errorf("allocate purchase number: %w", err)
	}
	return id, nil
}
