package api

import (
	"net/http"
	"time"

	"zhucan/rules"
	"zhucan/store"
)

// deadlineOf computes a task's deadline from when it arose, under the
// purchase's policy: a challenge's answer, a contract's signature.
func (s *Server) deadlineOf(t store.Task) *time.Time {
	if t.Since == nil {
		return t.Due
	}
	pol := s.policy
	if t.Policy != pol.Name {
		if p, err := rules.ByName(t.Policy, pol.Day); err == nil {
			pol = p
		}
	}
	var d time.Time
	switch t.Kind {
	case "answer_challenge":
		d = pol.AnswerDeadline(*t.Since)
	case "sign_contract":
		d = pol.SigningDeadline(*t.Since)
	default:
		return t.Due
	}
	return &d
}

// TaskList is the caller's inbox.
type TaskList struct {
	// Items are the tasks, soonest deadline first.
	Items []store.Task `json:"items"`
}

func (s *Server) myTasks(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	ts, err := s.db.Tasks(ctx, *caller(r.Context()))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if ts == nil {
		ts = []store.Task{}
	}
	for i := range ts {
		ts[i].Due = s.deadlineOf(ts[i])
	}
	s.writeJSON(w, http.StatusOK, TaskList{Items: ts})
}
