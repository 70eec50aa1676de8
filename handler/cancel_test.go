package handler_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"hazardloop/model"
)

// TestClientGoneIsNotAnError: a request whose client hung up is recorded as 499,
// not answered or logged as a server error.
func TestClientGoneIsNotAnError(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	token := w.login(t, "city", password)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/api/v1/hazards", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	if rec.Code != 499 || rec.Body.Len() != 0 {
		t.Errorf("cancelled request: %d %q", rec.Code, rec.Body.String())
	}
}
