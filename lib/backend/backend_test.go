package backend

import (
	"strings"
	"testing"
)

func TestConfigDefault(t *testing.T) {
	t.Setenv(EnvVar, "")
	if got := Config(); got != DefaultConfig {
		t.Errorf("Config() with %s unset = %q, want %q", EnvVar, got, DefaultConfig)
	}
	t.Setenv(EnvVar, "go")
	if got := Config(); got != "go" {
		t.Errorf("Config() with %s=go = %q, want %q", EnvVar, got, "go")
	}
}

func TestNewWithConfigUnknownBackend(t *testing.T) {
	_, err := NewWithConfig("nosuch:cpu")
	if err == nil {
		t.Fatal("NewWithConfig(\"nosuch:cpu\") returned no error")
	}
	if !strings.Contains(err.Error(), `"nosuch"`) || !strings.Contains(err.Error(), "available: go") {
		t.Errorf("error %q does not name the backend and the available ones", err)
	}
}

func TestNewWithConfigBadOption(t *testing.T) {
	_, err := NewWithConfig("go:no_such_option")
	if err == nil || !strings.Contains(err.Error(), "no_such_option") {
		t.Errorf("NewWithConfig(\"go:no_such_option\") error = %v, want one naming the option", err)
	}
}

func TestXLAWithoutTagIsAnError(t *testing.T) {
	if registered("xla") {
		t.Skip("built with -tags xla")
	}
	_, err := NewWithConfig("xla:cpu")
	if err == nil || !strings.Contains(err.Error(), "-tags xla") {
		t.Errorf("NewWithConfig(\"xla:cpu\") error = %v, want a hint about -tags xla", err)
	}
}

func TestReportLine(t *testing.T) {
	t.Setenv(EnvVar, "")
	info, err := Describe()
	if err != nil {
		t.Fatal(err)
	}
	if info.Backend != "go" || info.Config != DefaultConfig {
		t.Errorf("Describe() = %+v, want backend go with config %q", info, DefaultConfig)
	}
	line := info.String()
	for _, want := range []string{"backend=go", "config=go:ops_sequential", "simd=", "cores=", "gomlx="} {
		if !strings.Contains(line, want) {
			t.Errorf("report %q lacks %q", line, want)
		}
	}
}
