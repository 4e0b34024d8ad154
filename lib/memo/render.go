package memo

import (
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gradlab/gradlab/lib/curves"
	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/plot"
)

// maxRows is the number of configurations in the memo's table.
const maxRows = 5

// Figure is one rendered chart of the memo.
type Figure struct {
	File  string // file name under figures/, such as "learning-rate.svg"
	Title string
	SVG   []byte
	Chart plot.Chart // the chart the SVG was rendered from, for display in a notebook
}

// Figures renders the memo's charts: mean best validation loss against learning rate per
// optimizer and weight decay (settings with a diverged seed are left out; the intervals
// are in the table), the
// validation curves of the selected configuration and the runner-up with seed bands, and
// precision@k per slice for both.
func (d *Decision) Figures() ([]Figure, error) {
	var charts []struct {
		file  string
		chart plot.Chart
	}
	add := func(file string, c plot.Chart) {
		charts = append(charts, struct {
			file  string
			chart plot.Chart
		}{file, c})
	}
	add("learning-rate.svg", d.lrFigure())
	if f, err := d.curvesFigure(); err == nil {
		add("validation-curves.svg", f)
	}
	if len(d.SliceNames) > 0 {
		bars := plot.NewBars(fmt.Sprintf("retrieval precision@%d by class slice", d.SliceK), "precision", d.SliceNames).
			Add("selected: "+d.Selected.Key, d.SelectedSlices)
		if len(d.RunnerSlices) == len(d.SliceNames) {
			bars.Add("runner-up: "+d.RunnerUp.Key, d.RunnerSlices)
		}
		add("slices.svg", bars)
	}
	var out []Figure
	for _, c := range charts {
		svg, err := c.chart.SVG()
		if err != nil {
			return nil, fmt.Errorf("memo: Figures: %s: %w", c.file, err)
		}
		out = append(out, Figure{File: c.file, Title: c.chart.Name(), SVG: svg, Chart: c.chart})
	}
	return out, nil
}

func (d *Decision) lrFigure() *plot.Figure {
	fig := plot.New("best validation loss by learning rate, mean over seeds", "learning rate", "best validation loss (nats)")
	groups := map[string][]ConfigSummary{}
	var names []string
	for _, c := range d.Configs {
		name := fmt.Sprintf("%s wd=%g", c.Optimizer, c.WD)
		if _, ok := groups[name]; !ok {
			names = append(names, name)
		}
		groups[name] = append(groups[name], c)
	}
	sort.Strings(names)
	positive := true
	for _, name := range names {
		cs := groups[name]
		sort.Slice(cs, func(i, j int) bool { return cs[i].LR < cs[j].LR })
		var xs, ys []float64
		for _, c := range cs {
			if m := c.BestValLoss.Mean; c.Qualified() && finite(m) {
				xs, ys = append(xs, c.LR), append(ys, m)
				positive = positive && m > 0
			}
		}
		if len(xs) == 0 {
			continue
		}
		fig.Line(name, xs, ys)
	}
	fig.VLine("selected: "+d.Selected.Key, d.Selected.LR)
	// gonum pads a range of one value by ±1, which a logarithmic axis cannot show.
	lrs := map[float64]bool{}
	for _, c := range d.Configs {
		if c.Qualified() {
			lrs[c.LR] = true
		}
	}
	fig.LogX = len(lrs) > 1
	fig.LogY = positive
	return fig
}

func (d *Decision) curvesFigure() (*plot.Figure, error) {
	fig := plot.New("validation loss over seeds (95% band)", "training step", "validation loss (nats)")
	fig.LogY = true // cross-entropy is positive; the log scale separates the finalists' tails
	configs := []ConfigSummary{d.Selected}
	if d.RunnerUp != nil {
		configs = append(configs, *d.RunnerUp)
	}
	for _, c := range configs {
		var series []*curves.Series
		for _, r := range c.results {
			s := &curves.Series{Key: "val_loss", Split: curves.SplitEval, Set: "val", Metric: "loss"}
			for i, step := range r.ValSteps {
				s.Points = append(s.Points, curves.Point{Step: int64(step), Value: float64(r.ValLoss[i])})
			}
			series = append(series, s)
		}
		band, err := diagnose.AggregateSeeds(series, Level)
		if err != nil {
			return nil, err
		}
		fig.Band(c.Key, band.Steps, band.Low, band.High).Line(c.Key, band.Steps, band.Mean)
	}
	return fig, nil
}

// Markdown renders the memo with figures linked as figures/NAME.svg. The Figures section
// is left out when figs is empty, because a notebook shows the charts itself.
func (d *Decision) Markdown(figs []Figure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Decision memo: %s\n\n", d.Sweep)
	fmt.Fprintf(&b, "%s\n\n", d.setup())
	fmt.Fprintf(&b, "## Selected: %s\n\n", d.Selected.Key)
	for _, line := range d.selectedLines() {
		fmt.Fprintf(&b, "- %s\n", line)
	}
	fmt.Fprintf(&b, "\n## Runner-up\n\n%s\n\n", d.runnerUpText())
	fmt.Fprintf(&b, "## Top configurations\n\n")
	header, rows := d.table()
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(r, " | "))
	}
	fmt.Fprintf(&b, "\n## Risks\n\n")
	for _, r := range d.Risks {
		fmt.Fprintf(&b, "- %s\n", r)
	}
	if len(figs) > 0 {
		fmt.Fprintf(&b, "\n## Figures\n\n")
	}
	for _, f := range figs {
		fmt.Fprintf(&b, "![%s](figures/%s)\n\n", f.Title, f.File)
	}
	return b.String()
}

// HTML renders the memo as one self-contained page with the figures embedded.
func (d *Decision) HTML(figs []Figure) string {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Decision memo: %s</title>\n", e(d.Sweep))
	b.WriteString("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:0.2em 0.5em;text-align:left}img{max-width:48%;margin:0.5%}</style></head><body>\n")
	fmt.Fprintf(&b, "<h1>Decision memo: %s</h1>\n<p>%s</p>\n", e(d.Sweep), e(d.setup()))
	fmt.Fprintf(&b, "<h2>Selected: %s</h2>\n<ul>\n", e(d.Selected.Key))
	for _, line := range d.selectedLines() {
		fmt.Fprintf(&b, "<li>%s</li>\n", e(line))
	}
	fmt.Fprintf(&b, "</ul>\n<h2>Runner-up</h2>\n<p>%s</p>\n<h2>Top configurations</h2>\n<table><tr>", e(d.runnerUpText()))
	header, rows := d.table()
	for _, h := range header {
		fmt.Fprintf(&b, "<th>%s</th>", e(h))
	}
	b.WriteString("</tr>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(&b, "<td>%s</td>", e(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n<h2>Risks</h2>\n<ul>\n")
	for _, r := range d.Risks {
		fmt.Fprintf(&b, "<li>%s</li>\n", e(r))
	}
	b.WriteString("</ul>\n<h2>Figures</h2>\n")
	for _, f := range figs {
		fmt.Fprintf(&b, "<img alt=\"%s\" src=\"data:image/svg+xml;base64,%s\">\n", e(f.Title), base64.StdEncoding.EncodeToString(f.SVG))
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// Write renders the memo into dir: memo.md, memo.html and figures/*.svg. It returns the
// paths of the two documents.
func (d *Decision) Write(dir string) (mdPath, htmlPath string, err error) {
	figs, err := d.Figures()
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "figures"), 0o755); err != nil {
		return "", "", fmt.Errorf("memo: Write: %w", err)
	}
	for _, f := range figs {
		if err := os.WriteFile(filepath.Join(dir, "figures", f.File), f.SVG, 0o644); err != nil {
			return "", "", fmt.Errorf("memo: Write: %w", err)
		}
	}
	mdPath, htmlPath = filepath.Join(dir, "memo.md"), filepath.Join(dir, "memo.html")
	if err := os.WriteFile(mdPath, []byte(d.Markdown(figs)), 0o644); err != nil {
		return "", "", fmt.Errorf("memo: Write: %w", err)
	}
	if err := os.WriteFile(htmlPath, []byte(d.HTML(figs)), 0o644); err != nil {
		return "", "", fmt.Errorf("memo: Write: %w", err)
	}
	return mdPath, htmlPath, nil
}

func (d *Decision) setup() string {
	return fmt.Sprintf("%d runs: %d configurations (optimizer × learning rate × weight decay) over their seeds, %d updates each. "+
		"Selection: the lowest mean best validation loss among configurations whose every seed finished without diverging; "+
		"test accuracy is reported, not used to choose. Intervals are %g%% t-intervals over seeds.",
		d.Runs, len(d.Configs), d.Steps, 100*Level)
}

func (d *Decision) selectedLines() []string {
	s := d.Selected
	lines := []string{
		fmt.Sprintf("best validation loss %s", s.BestValLoss),
		fmt.Sprintf("test accuracy %s", s.TestAcc),
	}
	if s.Precision.N > 0 {
		lines = append(lines, fmt.Sprintf("retrieval precision@%d of the hidden-layer embedding, all queries: %s", d.SliceK, s.Precision))
	}
	lines = append(lines,
		fmt.Sprintf("validation minus training loss at the end: %s", s.Gap),
		fmt.Sprintf("learning-curve verdicts: %s; gradient norm 90th percentile %.3g, %d spikes", verdicts(s.Verdicts), s.GradP90, s.Spikes),
		"why: "+d.why())
	return lines
}

// why returns the reason for the selection and how firmly the seeds support it.
func (d *Decision) why() string {
	base := fmt.Sprintf("it has the lowest mean best validation loss of the %d configurations with every seed finished", qualified(d.Configs))
	switch {
	case len(d.Ties) > 0:
		return fmt.Sprintf("%s, but its lead is within seed noise of %s: on this evidence they are tied, and a choice among them should rest on cost, simplicity or more seeds", base, joinMax(d.Ties, 4))
	case d.Comparison != nil:
		return base + ", and its lead over the runner-up exceeds seed noise"
	case d.RunnerUp != nil:
		return base + "; whether its lead exceeds seed noise cannot be tested (" + d.CompareError + ")"
	}
	return base
}

func (d *Decision) runnerUpText() string {
	switch {
	case d.RunnerUp == nil:
		return "No other configuration finished every seed without diverging."
	case d.Comparison == nil:
		return fmt.Sprintf("%s: best validation loss %s. The difference cannot be tested against seed noise: %s", d.RunnerUp.Key, d.RunnerUp.BestValLoss, d.CompareError)
	}
	return fmt.Sprintf("%s: best validation loss %s. %s", d.RunnerUp.Key, d.RunnerUp.BestValLoss, d.Comparison.Statement())
}

func (d *Decision) table() ([]string, [][]string) {
	header := []string{"configuration", "seeds", "diverged", "best val loss (95% CI)", "test accuracy (95% CI)", fmt.Sprintf("P@%d", d.SliceK), "gap", "verdicts"}
	var rows [][]string
	for i, c := range d.Configs {
		if i >= maxRows {
			break
		}
		rows = append(rows, []string{c.Key, fmt.Sprint(c.Seeds), fmt.Sprint(c.Diverged), interval(c.BestValLoss), interval(c.TestAcc),
			fmt.Sprintf("%.3f", c.Precision.Mean), fmt.Sprintf("%.3f", c.Gap.Mean), verdicts(c.Verdicts)})
	}
	return header, rows
}

func interval(e diagnose.Estimate) string {
	if e.N == 0 {
		return "none"
	}
	return fmt.Sprintf("%.4f (%.4f to %.4f)", e.Mean, e.Low, e.High)
}

// VerdictSummary returns the verdict counts over seeds, such as "overfitting ×1, plateau ×2".
func (c ConfigSummary) VerdictSummary() string { return verdicts(c.Verdicts) }

func verdicts(v map[string]int) string {
	var keys []string
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, v[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func qualified(cs []ConfigSummary) int {
	n := 0
	for _, c := range cs {
		if c.Qualified() {
			n++
		}
	}
	return n
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// GridFigure returns the sweep's grid as a heatmap of the mean best validation loss: one
// row per optimizer and weight decay (alphabetical from the top), one column per learning
// rate (ascending). A cell
// whose configuration has a diverged or failed seed is blank, because its mean would
// leave that seed out.
func (d *Decision) GridFigure() *plot.Heatmap {
	var rowKeys []string
	var lrs []float64
	rowOf := func(c ConfigSummary) string { return fmt.Sprintf("%s wd=%g", c.Optimizer, c.WD) }
	for _, c := range d.Configs {
		if !slices.Contains(rowKeys, rowOf(c)) {
			rowKeys = append(rowKeys, rowOf(c))
		}
		if !slices.Contains(lrs, c.LR) {
			lrs = append(lrs, c.LR)
		}
	}
	// The heatmap draws its first row at the bottom: sort descending so that the rows
	// read alphabetically from the top.
	sort.Sort(sort.Reverse(sort.StringSlice(rowKeys)))
	sort.Float64s(lrs)
	values := make([][]float64, len(rowKeys))
	for i := range values {
		values[i] = make([]float64, len(lrs))
		for j := range values[i] {
			values[i][j] = math.NaN()
		}
	}
	for _, c := range d.Configs {
		if c.Qualified() {
			values[slices.Index(rowKeys, rowOf(c))][slices.Index(lrs, c.LR)] = c.BestValLoss.Mean
		}
	}
	cols := make([]string, len(lrs))
	for j, lr := range lrs {
		cols[j] = strconv.FormatFloat(lr, 'g', -1, 64)
	}
	return plot.NewHeatmap("mean best validation loss (nats); blank where a seed diverged", "learning rate", "optimizer, weight decay", cols, rowKeys, values)
}

// TrackedTable returns what the harness tracked for the n best configurations: the seed
// interval of the best validation loss and its standard deviation across seeds, the mean
// train/validation gap at the end, the mean 90th percentile of the gradient norm, the
// gradient-norm spikes over all seeds, and the learning-curve verdicts.
func (d *Decision) TrackedTable(n int) (header []string, rows [][]string) {
	header = []string{"configuration", "best val loss (nats)", "seed std", "gap (nats)", "grad norm p90", "spikes", "verdicts"}
	for i, c := range d.Configs {
		if i >= n {
			break
		}
		rows = append(rows, []string{c.Key, c.BestValLoss.String(), fmt.Sprintf("%.3f", c.BestValLoss.Std), fmt.Sprintf("%.3f", c.Gap.Mean),
			fmt.Sprintf("%.3g", c.GradP90), fmt.Sprint(c.Spikes), c.VerdictSummary()})
	}
	return header, rows
}
