package api

import "zhucan/valid"

// fieldErr builds a one-field error list.
func fieldErr(field, zh, en string) valid.Errors {
	var e valid.Errors
	e.Add(field, zh, en)
	return e
}

// refield returns the field errors of a rule's error under field.
func refield(field string, err error) valid.Errors {
	if err == nil {
		return nil
	}
	fe, ok := valid.As(err)
	if !ok {
		return fieldErr(field, err.Error(), err.Error())
	}
	out := make(valid.Errors, len(fe))
	for i, f := range fe {
		f.Field = field
		out[i] = f
	}
	return out
}
