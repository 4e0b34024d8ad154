package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunMainUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{nil, 2, "usage: gradlab COMMAND"},
		{[]string{"nosuch"}, 2, `unknown command "nosuch"`},
		{[]string{"help"}, 0, "commands:"},
		{[]string{"backend", "extra"}, 2, "unexpected arguments"},
		{[]string{"backend", "-nosuchflag"}, 2, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit status = %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantErr)
			}
		})
	}
}

func TestBackendCommand(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	var stdout, stderr bytes.Buffer
	if code := runMain([]string{"backend"}, &stdout, &stderr); code != 0 {
		t.Fatalf("gradlab backend exited %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "backend=go config=go:ops_sequential") {
		t.Errorf("gradlab backend printed %q", stdout.String())
	}
}
