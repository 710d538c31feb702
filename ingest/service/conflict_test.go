package service

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/atkm/herken/cluster"
)

// TestConcurrentBankUpdateIsAConflict: a bank update that kept losing to
// updates made at the same time on other replicas is a 409 naming the
// problem, which the caller may send again, not a 500.
func TestConcurrentBankUpdateIsAConflict(t *testing.T) {
	ae := classify(fmt.Errorf("%w: bank demo, 5 tries; send the update again", cluster.ErrConflict))
	if ae.status != http.StatusConflict || ae.Code != "concurrent_update" {
		t.Fatalf("got %d %s: %s", ae.status, ae.Code, ae.Message)
	}
}
