package api

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// failingClient answers its first fails Updates with err.
type failingClient struct {
	client.Client
	err   error
	fails int
	calls int
}

func (c *failingClient) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.calls++
	if c.calls <= c.fails {
		return nil, c.err
	}
	return doneHandle{}, nil
}

type doneHandle struct{ client.WorkflowUpdateHandle }

func (doneHandle) Get(context.Context, any) error { return nil }

// TestSendUpdateRetriesOnlyWhatTheEngineAborted: an Update the engine
// aborted (WorkflowNotReady) is sent again, at most three times in all;
// any other error is the answer at once.
func TestSendUpdateRetriesOnlyWhatTheEngineAborted(t *testing.T) {
	notReady := serviceerror.NewWorkflowNotReady("Unable to perform workflow execution update due to unexpected workflow task failure.")
	for _, tc := range []struct {
		name      string
		err       error
		fails     int
		wantCalls int
		wantErr   bool
	}{
		{"aborted twice, then taken", notReady, 2, 3, false},
		{"aborted every time", notReady, 5, 3, true},
		{"refused by the workflow", errors.New("refused"), 1, 1, true},
		{"taken at once", nil, 0, 1, false},
	} {
		c := &failingClient{err: tc.err, fails: tc.fails}
		err := sendUpdate(context.Background(), c, client.UpdateWorkflowOptions{}, nil)
		if c.calls != tc.wantCalls || (err != nil) != tc.wantErr {
			t.Errorf("%s: %d calls, err %v; want %d calls, error %v", tc.name, c.calls, err, tc.wantCalls, tc.wantErr)
		}
	}
}

// TestDecodeAnswer: an Answer gives its result and status; the bare result
// of a worker of an earlier build gives the result and no status (the API
// then reads the status from PostgreSQL).
func TestDecodeAnswer(t *testing.T) {
	for _, tc := range []struct {
		raw        string
		wantResult string
		wantStatus string
	}{
		{`{"answer":{"round":1,"replaced":false},"purchaseStatus":"tendering"}`, `{"replaced":false,"round":1}`, "tendering"},
		{`{"answer":3,"purchaseStatus":"evaluating"}`, `3`, "evaluating"},
		{`{"answer":"2026-12-01T00:00:00Z","purchaseStatus":""}`, `"2026-12-01T00:00:00Z"`, ""},
		{`{"round":1,"replaced":false}`, `{"replaced":false,"round":1}`, ""},
		{`3`, `3`, ""},
		{`"contracting"`, `"contracting"`, ""},
	} {
		result, status := decodeAnswer(json.RawMessage(tc.raw))
		got, _ := json.Marshal(result)
		if string(got) != tc.wantResult || string(status) != tc.wantStatus {
			t.Errorf("decodeAnswer(%s) = %s, %q; want %s, %q", tc.raw, got, status, tc.wantResult, tc.wantStatus)
		}
	}
}
