package store

import "testing"

// TestLikeOperator: LIKE only for texts that no case mapping changes, where
// it matches exactly what ILIKE matches.
func TestLikeOperator(t *testing.T) {
	for q, want := range map[string]string{
		"2019年度":         "LIKE",
		"助餐":             "LIKE",
		"项目000123":       "LIKE",
		"100%":           "LIKE",
		"":               "LIKE",
		"Rehabilitation": "ILIKE",
		"rehab":          "ILIKE",
		"桂花社区A栋":         "ILIKE",
		"ǅ":              "ILIKE", // a title-case letter
		"K":              "ILIKE", // the Kelvin sign lowers to k
		"ⅰ":              "ILIKE", // a small Roman numeral has an upper case
		"ß":              "ILIKE",
	} {
		if got := likeOperator(q); got != want {
			t.Errorf("likeOperator(%q) = %s, want %s", q, got, want)
		}
	}
}
