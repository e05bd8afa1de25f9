package catalog

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"zhucan/valid"
)

var wantAreas = []string{
	"rehabilitation", "care", "daily_living", "poverty_relief",
	"vocational_training", "employment", "social_work", "accessibility",
}

func defaultCatalogue(t *testing.T) Catalogue {
	t.Helper()
	c, err := Default(2026)
	if err != nil {
		t.Fatalf("Default(2026): %v", err)
	}
	return c
}

func TestDefaultCatalogue(t *testing.T) {
	cs, err := Defaults()
	if err != nil {
		t.Fatalf("Defaults: %v", err)
	}
	if len(cs) == 0 {
		t.Fatal("Defaults returned no catalogue")
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].Year <= cs[i-1].Year {
			t.Errorf("Defaults not sorted by year: %d after %d", cs[i].Year, cs[i-1].Year)
		}
	}

	c := defaultCatalogue(t)
	if err := c.Validate(valid.New()); err != nil {
		t.Fatalf("default catalogue does not validate: %v", err)
	}
	if len(c.Areas) != len(wantAreas) {
		t.Fatalf("got %d areas, want %d", len(c.Areas), len(wantAreas))
	}
	for i, a := range c.Areas {
		if a.Code != wantAreas[i] || a.Order != i+1 {
			t.Errorf("areas[%d] = %s (order %d), want %s (order %d)", i, a.Code, a.Order, wantAreas[i], i+1)
		}
	}
	if len(c.Items) < 24 {
		t.Errorf("got %d items, want at least 24", len(c.Items))
	}
	if n := len(c.Qualifications); n < 10 || n > 15 {
		t.Errorf("got %d qualifications, want 10–15", n)
	}
	for _, a := range c.Areas {
		if n := len(c.ItemsInArea(a.Code)); n < 3 {
			t.Errorf("area %s has %d items, want at least 3", a.Code, n)
		}
	}
	for _, it := range c.Items {
		if !it.Active {
			t.Errorf("item %s is not active", it.Code)
		}
		if n := len(it.Milestones); n < 2 || n > 4 {
			t.Errorf("item %s has %d milestones, want 2–4", it.Code, n)
		}
		measures := map[Measure]bool{}
		dims := map[Dimension]bool{}
		for _, ind := range it.Indicators {
			dims[ind.Dimension] = true
			if ind.Method == MethodMeasured {
				measures[ind.Measure] = true
			}
			if ind.TargetZH == "" || ind.TargetEN == "" {
				t.Errorf("item %s indicator %s lacks a target", it.Code, ind.Code)
			}
		}
		for _, m := range []Measure{MeasureOutput, MeasureTimeliness, MeasureSatisfaction} {
			if !measures[m] {
				t.Errorf("item %s has no measured %s indicator", it.Code, m)
			}
		}
		for _, d := range []Dimension{DimOutput, DimQuality, DimTimeliness, DimCost, DimEffect, DimSatisfaction} {
			if !dims[d] {
				t.Errorf("item %s has no %s indicator", it.Code, d)
			}
		}
	}
}

func TestDefaultUnknownYear(t *testing.T) {
	if _, err := Default(1999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Default(1999) = %v, want ErrNotFound", err)
	}
}

func TestDefaultsReturnCopies(t *testing.T) {
	c := defaultCatalogue(t)
	c.Items[0].Indicators[0].Weight = 99
	c.Areas[0].Code = "changed"
	again := defaultCatalogue(t)
	if again.Items[0].Indicators[0].Weight == 99 || again.Areas[0].Code == "changed" {
		t.Fatal("modifying a returned catalogue changed the embedded default")
	}
}

func TestLookups(t *testing.T) {
	c := defaultCatalogue(t)
	if a, ok := c.Area("care"); !ok || a.NameZH != "托养照料" {
		t.Errorf(`Area("care") = %+v, %v`, a, ok)
	}
	if _, ok := c.Area("nope"); ok {
		t.Error(`Area("nope") found`)
	}
	first := c.Items[0]
	if it, ok := c.Item(first.Code); !ok || it.NameZH != first.NameZH {
		t.Errorf("Item(%q) = %+v, %v", first.Code, it, ok)
	}
	if _, ok := c.Item("XX-99"); ok {
		t.Error(`Item("XX-99") found`)
	}
	if q, ok := c.Qualification("legal_person_registration"); !ok || q.NameZH == "" {
		t.Errorf(`Qualification("legal_person_registration") = %+v, %v`, q, ok)
	}
	if _, ok := c.Qualification("nope"); ok {
		t.Error(`Qualification("nope") found`)
	}
}

// fields returns the field paths of a validation error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := valid.As(err)
	if !ok {
		t.Fatalf("error %v carries no field errors", err)
	}
	out := make([]string, len(fe))
	for i, f := range fe {
		if f.Message == "" || f.MessageEN == "" {
			t.Errorf("field error %s lacks a message in one language: %+v", f.Field, f)
		}
		out[i] = f.Field
	}
	return out
}

func TestValidateItemRefusesBadItems(t *testing.T) {
	v := valid.New()
	c := defaultCatalogue(t)
	base := c.Items[0]
	if err := ValidateItem(v, base, c.Areas, c.Qualifications); err != nil {
		t.Fatalf("base item refused: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(it *Item)
		field  string // the field path must end with this
		text   string // the English message must contain this, if set
	}{
		{"weights not 100", func(it *Item) { it.Indicators[0].Weight += 5 }, "indicators", "105"},
		{"min price above max", func(it *Item) { it.PriceMinFen = it.PriceMaxFen + 1 }, "priceMinFen", "priceMinFen"},
		{"unknown area", func(it *Item) { it.Area = "astrology" }, "area", "astrology"},
		{"unknown qualification", func(it *Item) { it.Qualifications = append(it.Qualifications, "pilot_licence") }, "qualifications[3]", "pilot_licence"},
		{"duplicated indicator code", func(it *Item) { it.Indicators[1].Code = it.Indicators[0].Code }, "indicators[1].code", "duplicates"},
		{"measured without measure", func(it *Item) { it.Indicators[0].Measure = "" }, "indicators[0].measure", "measure"},
		{"scored with measure", func(it *Item) { it.Indicators[1].Measure = MeasureOutput }, "indicators[1].measure", "scored"},
		{"payment percents not 100", func(it *Item) { it.Milestones[0].PaymentPercent = 10 }, "milestones", "paymentPercent"},
		{"quantity percents not 100", func(it *Item) { it.Milestones[0].QuantityPercent = 0 }, "milestones", "quantityPercent"},
		{"due not increasing", func(it *Item) { it.Milestones[1].DuePercent = it.Milestones[0].DuePercent }, "milestones[1].duePercent", "later"},
		{"last due not 100", func(it *Item) { it.Milestones[len(it.Milestones)-1].DuePercent = 95 }, "duePercent", "100"},
		{"weight out of range", func(it *Item) { it.Indicators[2].Weight = 0 }, "indicators[2].weight", ""},
		{"missing name", func(it *Item) { it.NameZH = "" }, "nameZh", ""},
		{"no indicators", func(it *Item) { it.Indicators = nil }, "indicators", ""},
		{"bad dimension", func(it *Item) { it.Indicators[0].Dimension = "beauty" }, "indicators[0].dimension", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := base.clone()
			tc.mutate(&it)
			err := ValidateItem(v, it, c.Areas, c.Qualifications)
			if err == nil {
				t.Fatal("bad item accepted")
			}
			fe, _ := valid.As(err)
			for _, f := range fe {
				if strings.HasSuffix(f.Field, tc.field) && strings.Contains(f.MessageEN, tc.text) {
					return
				}
			}
			t.Fatalf("no error on a field ending with %q (message containing %q): %v", tc.field, tc.text, fields(t, err))
		})
	}
}

func TestValidateCatalogueRefusesBadCatalogues(t *testing.T) {
	v := valid.New()
	tests := []struct {
		name   string
		mutate func(c *Catalogue)
		field  string // exact field path
	}{
		{"item year mismatch", func(c *Catalogue) { c.Items[3].Year = 2025 }, "items[3].year"},
		{"duplicate item code", func(c *Catalogue) { c.Items[5].Code = c.Items[2].Code }, "items[5].code"},
		{"duplicate area code", func(c *Catalogue) { c.Areas[7].Code = c.Areas[0].Code }, "areas[7].code"},
		{"duplicate qualification code", func(c *Catalogue) { c.Qualifications[4].Code = c.Qualifications[1].Code }, "qualifications[4].code"},
		{"item weights", func(c *Catalogue) { c.Items[3].Indicators[0].Weight = 1 }, "items[3].indicators"},
		{"item price", func(c *Catalogue) { c.Items[4].PriceMinFen = c.Items[4].PriceMaxFen * 2 }, "items[4].priceMinFen"},
		{"item area", func(c *Catalogue) { c.Items[6].Area = "space" }, "items[6].area"},
		{"item struct tag", func(c *Catalogue) { c.Items[1].Indicators[2].Weight = 101 }, "items[1].indicators[2].weight"},
		{"no areas", func(c *Catalogue) { c.Areas = nil }, "areas"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := defaultCatalogue(t)
			tc.mutate(&c)
			err := c.Validate(v)
			if err == nil {
				t.Fatal("bad catalogue accepted")
			}
			got := fields(t, err)
			for _, f := range got {
				if f == tc.field {
					return
				}
			}
			t.Fatalf("no error on field %q: %v", tc.field, got)
		})
	}
}

func TestDecode(t *testing.T) {
	c := defaultCatalogue(t)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("Decode of a marshalled catalogue: %v", err)
	}
	if len(got.Items) != len(c.Items) || got.Year != c.Year {
		t.Fatalf("round trip lost data: %d items, year %d", len(got.Items), got.Year)
	}
	bad := map[string]string{
		"unknown field": `{"year": 2026, "colour": "red"}`,
		"trailing data": `{"year": 2026} {"year": 2027}`,
		"not json":      `year: 2026`,
		"empty":         ``,
	}
	for name, in := range bad {
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("%s: Decode accepted %q", name, in)
		}
	}
}

func TestParseDefaultsChecksFiles(t *testing.T) {
	good, err := dataFS.ReadFile("data/2026.json")
	if err != nil {
		t.Fatal(err)
	}
	v := valid.New()
	tests := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"year differs from file name", fstest.MapFS{"data/2027.json": {Data: good}}},
		{"invalid catalogue", fstest.MapFS{"data/2026.json": {Data: []byte(`{"year": 2026}`)}}},
		{"no files", fstest.MapFS{"data/readme.txt": {Data: []byte("x")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseDefaults(tc.fsys, "data", v); err == nil {
				t.Fatal("bad data accepted")
			}
		})
	}
	cs, err := parseDefaults(fstest.MapFS{"data/2026.json": {Data: good}}, "data", v)
	if err != nil || len(cs) != 1 {
		t.Fatalf("parseDefaults(good) = %d catalogues, %v", len(cs), err)
	}
}
