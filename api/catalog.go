package api

import (
	"errors"
	"net/http"
	"strconv"

	"zhucan/catalog"
	"zhucan/store"
)

// CatalogArea is a service area with its items, as the catalogue lists it.
type CatalogArea struct {
	catalog.Area
	// Items are the area's services.
	Items []catalog.Item `json:"items"`
}

// CatalogResponse is the answer of GET /api/v1/catalog.
type CatalogResponse struct {
	// Year is the catalogue year shown.
	Year int `json:"year"`
	// Years lists every stored catalogue year, newest first.
	Years []int `json:"years"`
	// Areas are the service areas with their items.
	Areas []CatalogArea `json:"areas"`
	// Qualifications are the supplier qualifications items refer to.
	Qualifications []catalog.Qualification `json:"qualifications"`
}

// getCatalog lists the guiding catalogue of ?year= (default: the newest).
func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	years, err := s.db.CatalogueYears(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if len(years) == 0 {
		s.problem(w, r, http.StatusNotFound, "目录尚未加载", "The catalogue has not been loaded", "", nil)
		return
	}
	year := years[0]
	if q := r.URL.Query().Get("year"); q != "" {
		y, err := strconv.Atoi(q)
		if err != nil {
			s.invalid(w, r, fieldErr("year", "年度须为整数", "year must be an integer"))
			return
		}
		year = y
	}
	c, err := s.db.Catalogue(ctx, year)
	if errors.Is(err, store.ErrNotFound) {
		s.problem(w, r, http.StatusNotFound, "该年度目录不存在", "No catalogue for that year", "", fieldErr("year", "该年度目录不存在", "no catalogue for that year"))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	resp := CatalogResponse{Year: c.Year, Years: years, Qualifications: c.Qualifications}
	idx := map[string]int{}
	for _, a := range c.Areas {
		idx[a.Code] = len(resp.Areas)
		resp.Areas = append(resp.Areas, CatalogArea{Area: a, Items: []catalog.Item{}})
	}
	for _, it := range c.Items {
		i := idx[it.Area]
		resp.Areas[i].Items = append(resp.Areas[i].Items, it)
	}
	s.writeJSON(w, http.StatusOK, resp)
}
