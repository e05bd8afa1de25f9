package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"zhucan/valid"
)

// ErrNotFound is returned when no default catalogue exists for a year.
var ErrNotFound = errors.New("catalogue not found")

//go:embed data/*.json
var dataFS embed.FS

// Decode parses one catalogue from JSON, refusing unknown fields and
// trailing data. It does not validate; call Catalogue.Validate for that.
func Decode(r io.Reader) (Catalogue, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var c Catalogue
	if err := dec.Decode(&c); err != nil {
		return Catalogue{}, fmt.Errorf("decode catalogue: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("unexpected data after the catalogue object")
		}
		return Catalogue{}, fmt.Errorf("decode catalogue: %w", err)
	}
	return c, nil
}

// loadDefaults parses and validates the embedded catalogues once.
var loadDefaults = sync.OnceValues(func() ([]Catalogue, error) {
	return parseDefaults(dataFS, "data", valid.New())
})

// Defaults returns the embedded default catalogues, sorted by year, each
// validated. The result is a fresh copy the caller may modify.
func Defaults() ([]Catalogue, error) {
	cs, err := loadDefaults()
	if err != nil {
		return nil, err
	}
	out := make([]Catalogue, len(cs))
	for i, c := range cs {
		out[i] = c.clone()
	}
	return out, nil
}

// Default returns the embedded default catalogue of year, or an error
// wrapping ErrNotFound.
func Default(year int) (Catalogue, error) {
	cs, err := loadDefaults()
	if err != nil {
		return Catalogue{}, err
	}
	for _, c := range cs {
		if c.Year == year {
			return c.clone(), nil
		}
	}
	return Catalogue{}, fmt.Errorf("default catalogue for %d: %w", year, ErrNotFound)
}

// parseDefaults reads every *.json file of dir in fsys, decodes and
// validates it, and checks that its year matches the file name.
func parseDefaults(fsys fs.FS, dir string, v *valid.Validator) ([]Catalogue, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list default catalogues: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("list default catalogues: no files in %s", dir)
	}
	cs := make([]Catalogue, 0, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read default catalogue %s: %w", name, err)
		}
		c, err := Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("default catalogue %s: %w", name, err)
		}
		stem := strings.TrimSuffix(path.Base(name), ".json")
		if y, err := strconv.Atoi(stem); err != nil || y != c.Year {
			return nil, fmt.Errorf("default catalogue %s: file name does not match year %d", name, c.Year)
		}
		if err := c.Validate(v); err != nil {
			return nil, fmt.Errorf("default catalogue %s: %w", name, err)
		}
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b Catalogue) int { return a.Year - b.Year })
	for i := 1; i < len(cs); i++ {
		if cs[i].Year == cs[i-1].Year {
			return nil, fmt.Errorf("default catalogues: year %d appears twice", cs[i].Year)
		}
	}
	return cs, nil
}

// Area returns the area with the given code.
func (c Catalogue) Area(code string) (Area, bool) {
	for _, a := range c.Areas {
		if a.Code == code {
			return a, true
		}
	}
	return Area{}, false
}

// Item returns the item with the given code.
func (c Catalogue) Item(code string) (Item, bool) {
	for _, it := range c.Items {
		if it.Code == code {
			return it.clone(), true
		}
	}
	return Item{}, false
}

// Qualification returns the qualification with the given code.
func (c Catalogue) Qualification(code string) (Qualification, bool) {
	for _, q := range c.Qualifications {
		if q.Code == code {
			return q, true
		}
	}
	return Qualification{}, false
}

// ItemsInArea returns the items of the area with the given code, in
// catalogue order.
func (c Catalogue) ItemsInArea(code string) []Item {
	var out []Item
	for _, it := range c.Items {
		if it.Area == code {
			out = append(out, it.clone())
		}
	}
	return out
}

// clone returns a deep copy of c.
func (c Catalogue) clone() Catalogue {
	c.Areas = slices.Clone(c.Areas)
	c.Qualifications = slices.Clone(c.Qualifications)
	items := make([]Item, len(c.Items))
	for i, it := range c.Items {
		items[i] = it.clone()
	}
	if c.Items == nil {
		items = nil
	}
	c.Items = items
	return c
}

// clone returns a deep copy of it.
func (it Item) clone() Item {
	it.Qualifications = slices.Clone(it.Qualifications)
	it.Indicators = slices.Clone(it.Indicators)
	it.Milestones = slices.Clone(it.Milestones)
	return it
}
