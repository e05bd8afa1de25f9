package api

import "zhucan/valid"

// fieldErr builds a one-field error list.
func fieldErr(field, zh, en string) valid.Errors {
	var e valid.Errors
	e.Add(field, zh, en)
	return e
}
