// Package chapters executes gradlab's notebooks headless with Jupyter and checks what a
// reader would see: every cell ran without error, the first cell's output arrived, and
// every plot is in the saved notebook.
//
// A chapter is executed with `jupyter nbconvert --execute` on the "gradlab" kernel (see
// kernels/install.sh) into an output folder, never in place, so the notebooks under
// notebooks/ are only read. The executed notebook is then exported to standalone HTML.
//
// Plot rule: a plot is a display output with image/svg+xml or image/png data. Every code
// cell whose source calls display.Chart must have at least as many plots as calls, every
// cell tagged "plot" in its metadata must have at least one, and every chapter must have at
// least one.
package chapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Kernel is the Jupyter kernel name the chapters run on.
const Kernel = "gradlab"

// Notebook is the part of the .ipynb format this package reads.
type Notebook struct {
	Cells    []Cell         `json:"cells"`
	Metadata map[string]any `json:"metadata"`
}

// Cell is one notebook cell.
type Cell struct {
	Type     string         `json:"cell_type"`
	Source   Source         `json:"source"`
	Metadata map[string]any `json:"metadata"`
	Outputs  []Output       `json:"outputs"`
}

// Output is one cell output.
type Output struct {
	Type   string         `json:"output_type"`
	Name   string         `json:"name"` // stream name: stdout or stderr
	Text   Source         `json:"text"`
	Data   map[string]any `json:"data"`
	EName  string         `json:"ename"`
	EValue string         `json:"evalue"`
}

// Source is notebook text, stored either as a string or as a list of lines.
type Source string

// UnmarshalJSON accepts both forms of notebook text.
func (s *Source) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = Source(str)
		return nil
	}
	var lines []string
	if err := json.Unmarshal(b, &lines); err != nil {
		return err
	}
	*s = Source(strings.Join(lines, ""))
	return nil
}

// IsPlot reports whether the output carries an image.
func (o Output) IsPlot() bool {
	_, svg := o.Data["image/svg+xml"]
	_, png := o.Data["image/png"]
	return svg || png
}

// ReadNotebook parses an .ipynb file.
func ReadNotebook(path string) (*Notebook, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb Notebook
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, fmt.Errorf("chapters: %s: invalid notebook JSON: %w", path, err)
	}
	return &nb, nil
}

// Result summarizes one executed chapter.
type Result struct {
	Name     string
	Cells    int // code cells
	Plots    int
	Seconds  float64
	Executed string // path of the executed .ipynb
	HTML     string // path of the HTML export
	Problems []string
}

// String returns the one-line summary printed per chapter.
func (r Result) String() string {
	status := "ok"
	if len(r.Problems) > 0 {
		status = "FAILED"
	}
	return fmt.Sprintf("chapter %-34s cells=%-3d seconds=%-6.1f plots=%-3d %s", r.Name, r.Cells, r.Seconds, r.Plots, status)
}

// List returns the chapter notebooks in dir, sorted by name.
func List(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, fmt.Errorf("chapters: no .ipynb files in %s", dir)
	}
	return paths, nil
}

// Execute runs the notebook at path on the gradlab kernel, writes the executed notebook
// and its HTML export into outDir, and checks them. A cell error does not stop the
// execution; it is reported in Result.Problems with the cell's number.
func Execute(path, outDir string, cellTimeout time.Duration) (Result, error) {
	name := strings.TrimSuffix(filepath.Base(path), ".ipynb")
	res := Result{Name: name}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return res, err
	}
	start := time.Now()
	cmd := exec.Command("jupyter", "nbconvert", "--to", "notebook", "--execute",
		"--ExecutePreprocessor.kernel_name="+Kernel,
		"--ExecutePreprocessor.allow_errors=True",
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(cellTimeout.Seconds())),
		"--output-dir", outDir, "--output", name+".ipynb", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		what := "executing " + path + " failed"
		for _, sign := range []string{"NoSuchKernel", "No such kernel"} {
			if strings.Contains(stderr.String(), sign) {
				what = fmt.Sprintf("the Jupyter kernel %q is not installed", Kernel)
			}
		}
		for _, sign := range []string{"DeadKernelError", "Kernel died", "FileNotFoundError", "Kernel didn't respond"} {
			if strings.Contains(stderr.String(), sign) {
				what = fmt.Sprintf("the Jupyter kernel %q failed to start or died while running %s", Kernel, path)
			}
		}
		return res, fmt.Errorf("chapters: %s (%v)\n%s\nfix: run 'make setup' to install Jupyter and the %q kernel; "+
			"'jupyter kernelspec list' must then show %q", what, err, tail(stderr.String(), 12), Kernel, Kernel)
	}
	res.Seconds = time.Since(start).Seconds()
	res.Executed = filepath.Join(outDir, name+".ipynb")

	html := exec.Command("jupyter", "nbconvert", "--to", "html", "--output-dir", outDir, res.Executed)
	stderr.Reset()
	html.Stderr = &stderr
	if err := html.Run(); err != nil {
		return res, fmt.Errorf("chapters: exporting %s to HTML failed: %v\n%s", res.Executed, err, tail(stderr.String(), 20))
	}
	res.HTML = filepath.Join(outDir, name+".html")

	nb, err := ReadNotebook(res.Executed)
	if err != nil {
		return res, err
	}
	res.Cells, res.Plots, res.Problems = Check(nb)
	return res, nil
}

// Check inspects an executed notebook and returns its number of code cells, of plots, and
// the problems found, each naming the cell (numbered from 1 among all cells).
func Check(nb *Notebook) (codeCells, plots int, problems []string) {
	firstCode := true
	for i, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		codeCells++
		cellPlots := 0
		var context []string // compiler messages and stderr shown before an error
		for _, o := range c.Outputs {
			if o.IsPlot() {
				cellPlots++
			}
			if h, ok := o.Data["text/html"]; ok {
				if text := htmlText(h); strings.Contains(text, "gonb_") || strings.Contains(strings.ToLower(text), "error") {
					context = append(context, text)
				}
			}
			if o.Type == "stream" && o.Name == "stderr" {
				context = append(context, string(o.Text))
			}
			if o.Type == "error" {
				msg := fmt.Sprintf("cell %d: error: %s", i+1, firstLine(o.EValue))
				if len(context) > 0 {
					msg += "\n    " + strings.ReplaceAll(tail(strings.Join(context, "\n"), 12), "\n", "\n    ")
				}
				problems = append(problems, msg)
			}
		}
		plots += cellPlots
		if firstCode && len(c.Outputs) == 0 {
			problems = append(problems, fmt.Sprintf("cell %d: the first code cell has no output", i+1))
		}
		firstCode = false
		if calls := strings.Count(string(c.Source), "display.Chart("); cellPlots < calls {
			problems = append(problems, fmt.Sprintf("cell %d: %d plot(s) in the output, but the cell calls display.Chart %d time(s)", i+1, cellPlots, calls))
		}
		if hasTag(c, "plot") && cellPlots == 0 {
			problems = append(problems, fmt.Sprintf("cell %d: tagged \"plot\" but has no image output", i+1))
		}
	}
	if plots == 0 {
		problems = append(problems, "no plot in the whole chapter")
	}
	return codeCells, plots, problems
}

var (
	styleRE = regexp.MustCompile(`(?s)<style.*?</style>|<script.*?</script>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	blankRE = regexp.MustCompile(`\n\s*\n+`)
)

// htmlText returns the visible text of an HTML output (a string or a list of lines).
func htmlText(v any) string {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case []any:
		for _, line := range t {
			str, _ := line.(string)
			s += str
		}
	}
	s = styleRE.ReplaceAllString(s, "")
	s = tagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.TrimSpace(blankRE.ReplaceAllString(s, "\n"))
}

func hasTag(c Cell, tag string) bool {
	tags, _ := c.Metadata["tags"].([]any)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
