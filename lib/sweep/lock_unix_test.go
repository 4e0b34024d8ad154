//go:build unix

package sweep

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRefusesLockedResults(t *testing.T) {
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "results.jsonl")
	unlock, err := lockResults(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), spec, path, Options{})
	unlock()
	if err == nil || !strings.Contains(err.Error(), "another process is running a sweep into") {
		t.Errorf("Run on a locked results file: error %v, want one naming the lock", err)
	}
	// Released: the same call now gets past the lock (and stops at once, cancelled).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, spec, path, Options{}); err == nil || strings.Contains(err.Error(), "another process") {
		t.Errorf("Run after unlock: error %v, want a cancellation, not the lock", err)
	}
}
