package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhucan/catalog"
	"zhucan/valid"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// LoadCatalogue seeds one catalogue year: its areas, qualifications and
// items. It is idempotent: rows that already exist are left as they are, so
// items added or deactivated through the store survive a restart, and a new
// catalogue year never touches an old one.
func (db *DB) LoadCatalogue(ctx context.Context, c catalog.Catalogue) (added int, err error) {
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, a := range c.Areas {
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_areas (year, code, name_zh, name_en, sort_order)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year, code) DO NOTHING`,
				c.Year, a.Code, a.NameZH, a.NameEN, a.Order); err != nil {
				return fmt.Errorf("insert area %d/%s: %w", c.Year, a.Code, err)
			}
		}
		for _, q := range c.Qualifications {
			if _, err := tx.ExecContext(ctx, `INSERT INTO qualifications (code, name_zh, name_en)
				VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING`, q.Code, q.NameZH, q.NameEN); err != nil {
				return fmt.Errorf("insert qualification %s: %w", q.Code, err)
			}
		}
		for _, it := range c.Items {
			n, err := insertItem(ctx, tx, it, "default")
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	return added, err
}

func insertItem(ctx context.Context, tx *sqlx.Tx, it catalog.Item, origin string) (int, error) {
	ind, err := json.Marshal(it.Indicators)
	if err != nil {
		return 0, fmt.Errorf("encode indicators of %s: %w", it.Code, err)
	}
	ms, err := json.Marshal(it.Milestones)
	if err != nil {
		return 0, fmt.Errorf("encode milestones of %s: %w", it.Code, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO catalog_items (year, code, area, name_zh, name_en,
			description_zh, description_en, unit_zh, unit_en, price_min_fen, price_max_fen,
			qualifications, indicators, milestones, active, origin)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (year, code) DO NOTHING`,
		it.Year, it.Code, it.Area, it.NameZH, it.NameEN, it.DescriptionZH, it.DescriptionEN,
		it.UnitZH, it.UnitEN, it.PriceMinFen, it.PriceMaxFen, pq.Array(it.Qualifications),
		jsonText(ind), jsonText(ms), it.Active, origin)
	if err != nil {
		return 0, fmt.Errorf("insert catalogue item %d/%s: %w", it.Year, it.Code, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("insert catalogue item %d/%s: %w", it.Year, it.Code, err)
	}
	return int(n), nil
}

// CatalogueYears lists the stored catalogue years, newest first.
func (db *DB) CatalogueYears(ctx context.Context) ([]int, error) {
	var years []int
	if err := db.X.SelectContext(ctx, &years, `SELECT DISTINCT year FROM catalog_areas ORDER BY year DESC`); err != nil {
		return nil, fmt.Errorf("list catalogue years: %w", err)
	}
	return years, nil
}

type itemRow struct {
	Year           int            `db:"year"`
	Code           string         `db:"code"`
	Area           string         `db:"area"`
	NameZH         string         `db:"name_zh"`
	NameEN         string         `db:"name_en"`
	DescriptionZH  string         `db:"description_zh"`
	DescriptionEN  string         `db:"description_en"`
	UnitZH         string         `db:"unit_zh"`
	UnitEN         string         `db:"unit_en"`
	PriceMinFen    int64          `db:"price_min_fen"`
	PriceMaxFen    int64          `db:"price_max_fen"`
	Qualifications pq.StringArray `db:"qualifications"`
	Indicators     []byte         `db:"indicators"`
	Milestones     []byte         `db:"milestones"`
	Active         bool           `db:"active"`
}

const itemColumns = `year, code, area, name_zh, name_en, description_zh, description_en, unit_zh, unit_en,
	price_min_fen, price_max_fen, qualifications, indicators, milestones, active`

func (r itemRow) item() (catalog.Item, error) {
	it := catalog.Item{
		Code: r.Code, Year: r.Year, Area: r.Area, NameZH: r.NameZH, NameEN: r.NameEN,
		DescriptionZH: r.DescriptionZH, DescriptionEN: r.DescriptionEN, UnitZH: r.UnitZH, UnitEN: r.UnitEN,
		PriceMinFen: r.PriceMinFen, PriceMaxFen: r.PriceMaxFen, Qualifications: []string(r.Qualifications),
		Active: r.Active,
	}
	if err := json.Unmarshal(r.Indicators, &it.Indicators); err != nil {
		return it, fmt.Errorf("decode indicators of %s: %w", r.Code, err)
	}
	if err := json.Unmarshal(r.Milestones, &it.Milestones); err != nil {
		return it, fmt.Errorf("decode milestones of %s: %w", r.Code, err)
	}
	return it, nil
}

// Catalogue reads one catalogue year with its areas, qualifications and items.
func (db *DB) Catalogue(ctx context.Context, year int) (catalog.Catalogue, error) {
	c := catalog.Catalogue{Year: year}
	if err := db.X.SelectContext(ctx, &c.Areas, `SELECT code, name_zh AS "namezh", name_en AS "nameen", sort_order AS "order"
		FROM catalog_areas WHERE year = $1 ORDER BY sort_order, code`, year); err != nil {
		return c, fmt.Errorf("read catalogue areas of %d: %w", year, err)
	}
	if len(c.Areas) == 0 {
		return c, fmt.Errorf("catalogue %d: %w", year, ErrNotFound)
	}
	if err := db.X.SelectContext(ctx, &c.Qualifications, `SELECT code, name_zh AS "namezh", name_en AS "nameen"
		FROM qualifications ORDER BY code`); err != nil {
		return c, fmt.Errorf("read qualifications: %w", err)
	}
	var rows []itemRow
	if err := db.X.SelectContext(ctx, &rows, `SELECT `+itemColumns+` FROM catalog_items i
		WHERE year = $1 ORDER BY (SELECT sort_order FROM catalog_areas a WHERE a.year = i.year AND a.code = i.area), code`, year); err != nil {
		return c, fmt.Errorf("read catalogue items of %d: %w", year, err)
	}
	for _, r := range rows {
		it, err := r.item()
		if err != nil {
			return c, err
		}
		c.Items = append(c.Items, it)
	}
	return c, nil
}

// CatalogItem reads one item of a catalogue year.
func (db *DB) CatalogItem(ctx context.Context, year int, code string) (catalog.Item, error) {
	var r itemRow
	err := db.X.GetContext(ctx, &r, `SELECT `+itemColumns+` FROM catalog_items WHERE year = $1 AND code = $2`, year, code)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Item{}, fmt.Errorf("catalogue item %d/%s: %w", year, code, ErrNotFound)
	}
	if err != nil {
		return catalog.Item{}, fmt.Errorf("read catalogue item %d/%s: %w", year, code, err)
	}
	return r.item()
}

// AddCatalogItem expands the catalogue (扩充目录) with a new item, validated
// against the areas and qualifications of its year. A duplicate code is
// refused with a field error rather than overwriting the existing item.
func (db *DB) AddCatalogItem(ctx context.Context, v *valid.Validator, it catalog.Item) error {
	c, err := db.Catalogue(ctx, it.Year)
	if errors.Is(err, ErrNotFound) {
		var fe valid.Errors
		fe.Addf("year", "目录年度 %d 不存在", "catalogue year %d does not exist", it.Year)
		return fe
	}
	if err != nil {
		return err
	}
	if err := catalog.ValidateItem(v, it, c.Areas, c.Qualifications); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		n, err := insertItem(ctx, tx, it, "expansion")
		if err != nil {
			return err
		}
		if n == 0 {
			var fe valid.Errors
			fe.Addf("code", "目录项 %s 在 %d 年度已存在", "catalogue item %s already exists in %d", it.Code, it.Year)
			return fe
		}
		return nil
	})
}
