package rules

import (
	"strings"
	"testing"
)

func TestCheckPanel(t *testing.T) {
	p := Statutory()
	const large = 1_000_000_000 // 10 million yuan
	tests := []struct {
		name    string
		m       Method
		ceiling int64
		members int
		ok      bool
	}{
		{"open tender 5", MethodOpenTender, 500_000_000, 5, true},
		{"open tender 4", MethodOpenTender, 500_000_000, 4, false},
		{"open tender 6 is even", MethodOpenTender, 500_000_000, 6, false},
		{"open tender 7", MethodOpenTender, 500_000_000, 7, true},
		{"open tender just below 10 million with 5", MethodOpenTender, large - 1, 5, true},
		{"open tender at 10 million needs 7", MethodOpenTender, large, 5, false},
		{"open tender at 10 million with 7", MethodOpenTender, large, 7, true},
		{"open tender above 10 million with 8", MethodOpenTender, large * 2, 8, false},
		{"open tender above 10 million with 9", MethodOpenTender, large * 2, 9, true},
		{"consultation 3", MethodConsultation, large * 2, 3, true},
		{"consultation 2", MethodConsultation, 100, 2, false},
		{"consultation 4", MethodConsultation, 100, 4, false},
		{"single source 3", MethodSingleSource, 100, 3, true},
		{"single source 1", MethodSingleSource, 100, 1, false},
		{"unknown method", "auction", 100, 5, false},
	}
	for _, tt := range tests {
		err := CheckPanel(p, tt.m, tt.ceiling, tt.members)
		if (err == nil) != tt.ok {
			t.Errorf("%s: CheckPanel = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil {
			fields(t, err)
		}
	}
	err := CheckPanel(p, MethodOpenTender, large, 5)
	msg, _ := errAs(err)
	if !strings.Contains(msg, "7 人以上单数") || !strings.Contains(msg, "第四十七条") || !strings.Contains(err.Error(), "odd number of 7 or more") {
		t.Errorf("message %q / %q lacks the rule or its basis", msg, err.Error())
	}
}
