package chapters

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const repoRoot = "../.."

func TestCheckFindsProblems(t *testing.T) {
	raw := `{"cells": [
	 {"cell_type": "code", "metadata": {}, "source": "%%\ndisplay.Chart(a)\ndisplay.Chart(b)", "outputs": [
	   {"output_type": "display_data", "data": {"image/svg+xml": "<svg/>"}}]},
	 {"cell_type": "markdown", "metadata": {}, "source": ["text"]},
	 {"cell_type": "code", "metadata": {"tags": ["plot"]}, "source": ["x := 1\n", "panic(x)"], "outputs": [
	   {"output_type": "stream", "name": "stderr", "text": ["panic: 1\n"]},
	   {"output_type": "error", "ename": "ERROR", "evalue": "exit status 2"}]}
	], "metadata": {}}`
	var nb Notebook
	if err := json.Unmarshal([]byte(raw), &nb); err != nil {
		t.Fatal(err)
	}
	cells, plots, problems := Check(&nb)
	if cells != 2 || plots != 1 {
		t.Errorf("Check() counted %d code cells and %d plots, want 2 and 1", cells, plots)
	}
	want := []string{
		"cell 1: 1 plot(s) in the output, but the cell calls display.Chart 2 time(s)",
		"cell 3: error: exit status 2",
		`cell 3: tagged "plot" but has no image output`,
	}
	if len(problems) != len(want) {
		t.Fatalf("Check() problems = %q, want %d problems", problems, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(problems[i], want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, problems[i], want[i])
		}
	}
	if !strings.Contains(problems[1], "panic: 1") {
		t.Errorf("error problem %q does not quote the stderr before it", problems[1])
	}
}

func TestCheckFirstCellWithoutOutput(t *testing.T) {
	nb := Notebook{Cells: []Cell{{Type: "code", Source: "%%\nx()"}, {Type: "code", Outputs: []Output{{Type: "display_data", Data: map[string]any{"image/png": "iVBOR"}}}}}}
	_, _, problems := Check(&nb)
	if len(problems) != 1 || !strings.Contains(problems[0], "first code cell has no output") {
		t.Errorf("Check() = %q, want one problem about the first cell", problems)
	}
}

var importRE = regexp.MustCompile(`(?m)^\s*(?:import\s+)?(?:[A-Za-z_.]+\s+)?"([^"]+)"\s*$`)

// TestNotebooksStatic checks every chapter without running it: valid JSON, the gradlab
// kernel, and cells that import only the standard library and this module's packages.
func TestNotebooksStatic(t *testing.T) {
	paths, err := List(filepath.Join(repoRoot, "notebooks"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			nb, err := ReadNotebook(p)
			if err != nil {
				t.Fatal(err)
			}
			ks, _ := nb.Metadata["kernelspec"].(map[string]any)
			if ks["name"] != Kernel {
				t.Errorf("kernelspec name = %v, want %q", ks["name"], Kernel)
			}
			for i, c := range nb.Cells {
				if c.Type != "code" {
					continue
				}
				if len(c.Outputs) > 0 {
					t.Errorf("cell %d is saved with outputs; notebooks under notebooks/ are stored clean", i+1)
				}
				for _, m := range importRE.FindAllStringSubmatch(string(c.Source), -1) {
					path := m[1]
					first, _, _ := strings.Cut(path, "/")
					if strings.Contains(first, ".") && !strings.HasPrefix(path, "github.com/gradlab/gradlab/") {
						t.Errorf("cell %d imports %q; cells may import only the standard library and github.com/gradlab/gradlab/...", i+1, path)
					}
				}
			}
		})
	}
}

// TestChapters executes every chapter on the gradlab kernel and requires no cell error and
// every plot present. It needs Jupyter and the kernel, so it runs only when
// GRADLAB_RUN_CHAPTERS=1 (make test sets it after installing both).
func TestChapters(t *testing.T) {
	if os.Getenv("GRADLAB_RUN_CHAPTERS") != "1" {
		t.Skip("set GRADLAB_RUN_CHAPTERS=1 to execute the chapters (make test does)")
	}
	paths, err := List(filepath.Join(repoRoot, "notebooks"))
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("GRADLAB_CHAPTERS_OUT")
	if out == "" {
		out = filepath.Join(repoRoot, "build", "chapters")
	}
	before := fingerprint(t, filepath.Join(repoRoot, "notebooks"))
	defer func() {
		if after := fingerprint(t, filepath.Join(repoRoot, "notebooks")); after != before {
			t.Errorf("executing the chapters changed files under notebooks/:\nbefore %s\nafter  %s", before, after)
		}
	}()
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			res, err := Execute(p, out, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res)
			for _, prob := range res.Problems {
				t.Error(prob)
			}
			html, err := os.ReadFile(res.HTML)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(string(html), "data:image/svg+xml;base64,") + strings.Count(string(html), "data:image/png"); got < res.Plots {
				t.Errorf("the HTML export holds %d images, the notebook %d plots", got, res.Plots)
			}
		})
	}
}

// TestDisplayDelivery executes 24 cells that each show one figure as their last statement
// and exit at once, on a fresh kernel: the case in which a cell's last rich output used to
// be lost. Every figure must arrive.
func TestDisplayDelivery(t *testing.T) {
	if os.Getenv("GRADLAB_RUN_CHAPTERS") != "1" {
		t.Skip("set GRADLAB_RUN_CHAPTERS=1 to execute notebooks (make test does)")
	}
	res, err := Execute(filepath.Join("testdata", "delivery.ipynb"), t.TempDir(), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, prob := range res.Problems {
		t.Error(prob)
	}
	if res.Plots != res.Cells {
		t.Errorf("%d of %d cells delivered their figure", res.Plots, res.Cells)
	}
}

// fingerprint returns the names, sizes and SHA-256 sums of the files in dir.
func fingerprint(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			fmt.Fprintf(&b, "%s: %v; ", e.Name(), err)
			continue
		}
		fmt.Fprintf(&b, "%s %d %x; ", e.Name(), len(data), sha256.Sum256(data))
	}
	return b.String()
}
