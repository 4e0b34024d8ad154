package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/optim"
)

func TestRunDefaultDigits(t *testing.T) {
	var calls int
	rec, err := Run(DefaultConfig(), func(Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if rec.Summary.Status != StatusCompleted || rec.Summary.StepsDone != 300 {
		t.Errorf("status %q after %d steps, want completed after 300", rec.Summary.Status, rec.Summary.StepsDone)
	}
	// The default is meant to be a working classifier: 0.98 measured, 0.95 leaves room for
	// backend rounding differences.
	if rec.TestAcc() < 0.95 {
		t.Errorf("test accuracy = %v, want ≥ 0.95", rec.TestAcc())
	}
	if len(rec.Steps) != 300 || len(rec.Evals) != 16 || calls != 16 {
		t.Errorf("got %d step rows, %d evals, %d progress calls, want 300, 16 (steps 0, 20, ..., 300), 16", len(rec.Steps), len(rec.Evals), calls)
	}
	steps, loss := rec.TrainLoss()
	if steps[0] != 1 || loss[len(loss)-1] > loss[0]/5 {
		t.Errorf("train loss from %v to %v, want at least a 5× drop", loss[0], loss[len(loss)-1])
	}
	if got := rec.Steps[0].LayerGradNorms; len(got) != 2 || got[0] <= 0 {
		t.Errorf("layer grad norms %v, want 2 positive values", got)
	}
}

// TestRunBreastCancer trains on the other shipped table the loop is meant for: 30 features,
// 2 classes. Measured: 0.973 test accuracy on the go backend; 0.9 leaves room for rounding
// differences between backends.
func TestRunBreastCancer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dataset, cfg.Hidden, cfg.Steps, cfg.BatchSize = "breast_cancer", []int{16}, 150, 32
	rec, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Header.Dataset != "breast_cancer" || rec.Header.NParams != 30*16+16+16*2+2 {
		t.Errorf("header dataset %q with %d parameters, want breast_cancer with %d", rec.Header.Dataset, rec.Header.NParams, 30*16+16+16*2+2)
	}
	if rec.Summary.Status != StatusCompleted || rec.TestAcc() < 0.9 {
		t.Errorf("status %q, test accuracy %v, want completed with ≥ 0.9", rec.Summary.Status, rec.TestAcc())
	}
}

func TestRunIsDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps = 40
	a, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, la := a.TrainLoss()
	_, lb := b.TrainLoss()
	if !reflect.DeepEqual(la, lb) {
		t.Errorf("same seeds gave different losses:\n%v\n%v", la, lb)
	}
	cfg.InitSeed = 1
	c, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, lc := c.TrainLoss(); lc[0] == la[0] {
		t.Errorf("init seeds 0 and 1 gave the same first loss %v", la[0])
	}
}

func TestRunRecordsDivergence(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Optimizer = optim.SGD(200)
	cfg.Steps = 100
	rec, err := Run(cfg, nil)
	if err != nil {
		t.Fatalf("Run = %v, want a diverged record and no error", err)
	}
	d := rec.Summary.Divergence
	if rec.Summary.Status != StatusDiverged || d == nil {
		t.Fatalf("status %q, divergence %v, want diverged", rec.Summary.Status, d)
	}
	if d.LR != 200 || d.Step != rec.Summary.StepsDone || d.Step >= 100 {
		t.Errorf("divergence %+v after %d steps, want lr 200 at the last step done, before 100", d, rec.Summary.StepsDone)
	}
	if math.IsNaN(rec.Summary.TestAcc) {
		t.Errorf("test accuracy is NaN, want the accuracy of the best parameters before divergence")
	}
}

func TestRunStopsEarlyOnNoisyLabels(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LabelNoise = 0.4
	cfg.Hidden = []int{128}
	cfg.Steps = 2000
	cfg.EvalEvery = 25
	cfg.Patience = 4
	cfg.MinDelta = 1e-3
	rec, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Summary.Status != StatusEarlyStopped || rec.Summary.StepsDone >= 2000 {
		t.Fatalf("status %q after %d steps, want early_stopped before 2000", rec.Summary.Status, rec.Summary.StepsDone)
	}
	if want := rec.Summary.BestStep + 4*25; rec.Summary.StepsDone != want {
		t.Errorf("stopped at step %d, want best step %d + patience 4 × 25 = %d", rec.Summary.StepsDone, rec.Summary.BestStep, want)
	}
	if rec.Summary.TestStep != rec.Summary.BestStep {
		t.Errorf("test step %d, want the best step %d (restore_best)", rec.Summary.TestStep, rec.Summary.BestStep)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"zero lr", func(c *Config) { c.Optimizer.LR = 0 }, "lr = 0"},
		{"negative lr", func(c *Config) { c.Optimizer.LR = -1e-3 }, "lr = -0.001"},
		{"beta2 = 1", func(c *Config) { c.Optimizer.Beta2 = 1 }, "beta2 = 1"},
		{"beta1 negative", func(c *Config) { c.Optimizer.Beta1 = -0.1 }, "beta1 = -0.1"},
		{"schedule longer than budget", func(c *Config) { c.Schedule = optim.WarmupCosine(10, 1000, 0) }, "total_steps = 1000 is longer than the budget of 300"},
		{"zero steps", func(c *Config) { c.Steps = 0 }, "steps = 0"},
		{"zero batch", func(c *Config) { c.BatchSize = 0 }, "batch_size = 0"},
		{"batch above data", func(c *Config) { c.BatchSize = 5000 }, "batch_size = 5000"},
		{"eval every 0", func(c *Config) { c.EvalEvery = 0 }, "eval_every = 0"},
		{"negative clip", func(c *Config) { c.ClipNorm = -1 }, "clip_norm = -1"},
		{"label noise 1", func(c *Config) { c.LabelNoise = 1 }, "label_noise = 1"},
		{"unknown dataset", func(c *Config) { c.Dataset = "mnist" }, `"mnist"`},
		{"hidden zero", func(c *Config) { c.Hidden = []int{0} }, "hidden[0] = 0"},
		{"explode factor 1", func(c *Config) { c.ExplodeFactor = 1 }, "explode_factor = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			_, err := Run(cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRunOnRejectsEmptyData(t *testing.T) {
	empty := &data.Table{Name: "empty", D: 4, ClassNames: []string{"a", "b"}}
	_, err := RunOn(DefaultConfig(), data.Splits{Train: empty}, nil)
	if err == nil || !strings.Contains(err.Error(), "training split is empty") {
		t.Errorf("RunOn(empty) error = %v, want the training split is empty", err)
	}
	_, err = RunOn(DefaultConfig(), data.Splits{}, nil)
	if err == nil {
		t.Errorf("RunOn(no splits) = nil error, want one")
	}
}

func TestRunOnWithoutValidation(t *testing.T) {
	splits, err := LoadSplits(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	splits.Val = &data.Table{Name: "digits", D: 64, ClassNames: splits.Train.ClassNames}
	cfg := DefaultConfig()
	cfg.Steps, cfg.Patience = 20, 1
	rec, err := RunOn(cfg, splits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Summary.Status != StatusCompleted || !math.IsNaN(rec.Summary.BestValLoss) || rec.Summary.TestStep != 20 {
		t.Errorf("summary %+v, want completed, NaN best validation loss, test at step 20", rec.Summary)
	}
}

func TestRunClipsAndRecordsNorm(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps, cfg.ClipNorm = 20, 0.05
	rec, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rec.Steps {
		if s.Clipped != (s.GradNorm > 0.05) {
			t.Fatalf("step %d: clipped = %v with norm %v and clip 0.05", s.Step, s.Clipped, s.GradNorm)
		}
	}
	if !rec.Steps[0].Clipped {
		t.Errorf("first step not clipped (norm %v), want clipped at 0.05", rec.Steps[0].GradNorm)
	}
}

func TestRecordJSONLRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps, cfg.EvalEvery = 10, 5
	rec, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec.Steps[3].TrainLoss = math.NaN()
	rec.Steps[4].GradNorm = math.Inf(1)
	rec.Summary.Divergence = &Divergence{Step: 4, LR: 0.1, Loss: math.NaN(), GradNorm: math.Inf(-1), Reason: ReasonNaN}
	var buf bytes.Buffer
	if err := rec.WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteJSONL(&buf); err != nil { // two runs in one stream
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if want := 2 * (1 + 10 + 3 + 1); len(lines) != want {
		t.Fatalf("got %d lines, want %d", len(lines), want)
	}
	if !strings.HasPrefix(lines[0], `{"kind":"header","format":"gradlab-run","version":1`) || !strings.Contains(lines[5], `"train_loss":"NaN"`) {
		t.Errorf("unexpected lines:\n%s\n%s", lines[0], lines[5])
	}
	runs, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("read %d runs, want 2", len(runs))
	}
	got := runs[1]
	if !math.IsNaN(got.Steps[3].TrainLoss) || !math.IsInf(got.Steps[4].GradNorm, 1) || got.Summary.Divergence.Reason != ReasonNaN {
		t.Errorf("non-finite values not read back: %+v %+v %+v", got.Steps[3], got.Steps[4], got.Summary.Divergence)
	}
	got.Steps[3].TrainLoss, rec.Steps[3].TrainLoss = 0, 0
	got.Summary.Divergence, rec.Summary.Divergence = nil, nil
	if !reflect.DeepEqual(got.Steps, rec.Steps) || !reflect.DeepEqual(got.Evals, rec.Evals) || !reflect.DeepEqual(got.Header, rec.Header) {
		t.Errorf("round trip changed the record")
	}
}

func TestReadJSONLErrorsNameTheLine(t *testing.T) {
	_, err := ReadJSONL(strings.NewReader(`{"kind":"step","step":1}` + "\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("error = %v, want line 1", err)
	}
	in := `{"kind":"header","format":"gradlab-run","version":1}` + "\n" + `{"kind":"step","step":"x"}` + "\n"
	_, err = ReadJSONL(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error = %v, want line 2", err)
	}
}

func TestParseConfigSeedTypes(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for success
	}{
		{`{"init_seed": 42, "data_seed": -7}`, ""},
		{`{"init_seed": "42"}`, `field "init_seed" has a JSON string, want int64`},
		{`{"data_seed": 1.5}`, `field "data_seed" has a JSON number 1.5, want int64`},
		{`{"split_seed": true}`, `field "split_seed" has a JSON bool`},
		{`{"seed": 1}`, `unknown field "seed"`},
		{`{"optimizer": {"name": "adamw", "lr": -1, "beta1": 0.9, "beta2": 0.999}}`, "lr = -1"},
	}
	for _, tt := range tests {
		cfg, err := ParseConfig([]byte(tt.in))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ParseConfig(%s) = %v, want no error", tt.in, err)
		case tt.want == "" && (cfg.InitSeed != 42 || cfg.DataSeed != -7 || cfg.Dataset != "digits"):
			t.Errorf("ParseConfig(%s) = %+v, want seeds 42, -7 over the defaults", tt.in, cfg)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ParseConfig(%s) error = %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}

// TestParseConfigOptimizerDefaults checks that an optimizer object starts from PyTorch's
// defaults for its name (torch 1.13: SGD weight_decay=0; Adam betas=(0.9, 0.999),
// eps=1e-8, weight_decay=0; AdamW the same with weight_decay=0.01).
func TestParseConfigOptimizerDefaults(t *testing.T) {
	tests := []struct {
		in   string
		want optim.Config
	}{
		{`{"optimizer": {"name": "sgd", "lr": 0.1}}`, optim.SGD(0.1)},
		{`{"optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": true}}`, optim.Nesterov(0.1, 0.9)},
		{`{"optimizer": {"name": "adam", "lr": 0.01}}`, optim.Adam(0.01)},
		{`{"optimizer": {"lr": 0.01}}`, optim.AdamW(0.01)},
		{`{"optimizer": {"name": "adamw", "lr": 0.01, "beta1": 0.8, "weight_decay": 0}}`,
			optim.Config{Name: optim.NameAdamW, LR: 0.01, Beta1: 0.8, Beta2: 0.999, Eps: 1e-8}},
		{`{"steps": 50}`, DefaultConfig().Optimizer},
	}
	for _, tt := range tests {
		cfg, err := ParseConfig([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(cfg.Optimizer, tt.want) {
			t.Errorf("ParseConfig(%s).Optimizer = %+v, %v, want %+v", tt.in, cfg.Optimizer, err, tt.want)
		}
	}
	if _, err := ParseConfig([]byte(`{"optimizer": {"name": "sgd", "lr": 0.1, "betas": [0.9, 0.99]}}`)); err == nil ||
		!strings.Contains(err.Error(), `unknown field "betas"`) {
		t.Errorf("ParseConfig(betas) error = %v, want unknown field \"betas\"", err)
	}
}

func TestSeed(t *testing.T) {
	good := []struct {
		in   any
		want int64
	}{{int(3), 3}, {int64(-9), -9}, {uint32(7), 7}, {float64(12), 12}, {float32(-2), -2}}
	for _, g := range good {
		if got, err := Seed(g.in); err != nil || got != g.want {
			t.Errorf("Seed(%v %T) = %v, %v, want %v", g.in, g.in, got, err, g.want)
		}
	}
	for _, bad := range []any{"42", 1.5, math.NaN(), math.Inf(1), true, nil, uint64(math.MaxUint64), 1e300} {
		if _, err := Seed(bad); err == nil || !strings.Contains(err.Error(), "not an integer seed") {
			t.Errorf("Seed(%v %T) error = %v, want not an integer seed", bad, bad, err)
		}
	}
}

func TestWithLabelNoise(t *testing.T) {
	tab := data.MustLoad("digits")
	noisy := WithLabelNoise(tab, 0.25, rand.New(rand.NewPCG(1, 2)))
	changed := 0
	for i := range tab.Y {
		if noisy.Y[i] != tab.Y[i] {
			changed++
		}
	}
	if want := int(math.Round(0.25 * float64(tab.N))); changed != want {
		t.Errorf("changed %d labels, want %d", changed, want)
	}
	if &noisy.Y[0] == &tab.Y[0] {
		t.Errorf("WithLabelNoise modified its input's labels")
	}
}

func TestRunSeedsAndBand(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps, cfg.EvalEvery = 40, 20
	recs, err := RunSeeds(cfg, Seeds(3), nil)
	if err != nil {
		t.Fatal(err)
	}
	steps, mean, lo, hi := Band(recs, (*Record).ValLoss)
	if len(steps) != 3 || steps[2] != 40 {
		t.Fatalf("band steps %v, want [0 20 40]", steps)
	}
	var vals []float64
	for _, r := range recs {
		vals = append(vals, r.Evals[2].ValLoss)
	}
	m, half := MeanCI(vals)
	if mean[2] != m || lo[2] != m-half || hi[2] != m+half || half <= 0 {
		t.Errorf("band at 40 = %v [%v, %v], want %v ± %v", mean[2], lo[2], hi[2], m, half)
	}
	if _, err := RunSeeds(cfg, nil, nil); err == nil {
		t.Errorf("RunSeeds(no seeds) = nil error")
	}
}

func TestMeanCI(t *testing.T) {
	// Values 1, 2, 3: mean 2, s = 1, t(0.975, 2) = 4.303, half-width 4.303/√3.
	m, h := MeanCI([]float64{1, 2, 3})
	if m != 2 || math.Abs(h-4.303/math.Sqrt(3)) > 1e-12 {
		t.Errorf("MeanCI = %v ± %v, want 2 ± %v", m, h, 4.303/math.Sqrt(3))
	}
	if m, h := MeanCI([]float64{5}); m != 5 || h != 0 {
		t.Errorf("MeanCI(one) = %v ± %v", m, h)
	}
	if m, _ := MeanCI(nil); !math.IsNaN(m) {
		t.Errorf("MeanCI(none) = %v, want NaN", m)
	}
	if StudentT975(100) != 1.96 || StudentT975(4) != 2.776 || !math.IsNaN(StudentT975(0)) {
		t.Errorf("StudentT975 table lookup wrong")
	}
}

func TestSummaryHelpers(t *testing.T) {
	a := &Record{Summary: Summary{BestValLoss: 0.5, Status: StatusCompleted}}
	b := &Record{Summary: Summary{BestValLoss: 0.2, Status: StatusDiverged, Divergence: &Divergence{Step: 3, Reason: ReasonNaN}}}
	c := &Record{Summary: Summary{BestValLoss: math.NaN()}}
	if Best([]*Record{a, b, c}) != b || Best([]*Record{c}) != nil {
		t.Errorf("Best picked the wrong record")
	}
	if row := SummaryRow(b); len(row) != len(SummaryHeader()) || row[7] != "step 3 (nan)" {
		t.Errorf("SummaryRow = %q", row)
	}
	xs, ys := ECDF([]float64{3, math.NaN(), 1, 2, math.Inf(1)})
	if !reflect.DeepEqual(xs, []float64{1, 2, 3}) || ys[2] != 1 || ys[0] != 1.0/3 {
		t.Errorf("ECDF = %v, %v", xs, ys)
	}
	// numpy.quantile([1, 2, 3, 4], 0.5) = 2.5, 0.9 → 3.7.
	if q := Quantile([]float64{4, 1, 3, 2}, 0.5); q != 2.5 {
		t.Errorf("Quantile(0.5) = %v, want 2.5", q)
	}
	if q := Quantile([]float64{4, 1, 3, 2}, 0.9); math.Abs(q-3.7) > 1e-12 {
		t.Errorf("Quantile(0.9) = %v, want 3.7", q)
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Errorf("Quantile(empty) not NaN")
	}
}

func TestSweepLRAndDescribe(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Optimizer = optim.SGD(1)
	cfg.Steps, cfg.EvalEvery = 60, 20
	recs, err := SweepLR(cfg, []float64{0.0001, 0.5, 50})
	if err != nil {
		t.Fatal(err)
	}
	got := DescribeLRSweep(recs)
	for _, want := range []string{"Stalled (best validation loss above 90% of its starting value): 0.0001.", "Diverged: 50 (step", "Best: lr 0.5", "a factor 100 below"} {
		if !strings.Contains(got, want) {
			t.Errorf("DescribeLRSweep = %q, want it to contain %q", got, want)
		}
	}
	if _, err := SweepLR(cfg, nil); err == nil {
		t.Errorf("SweepLR(no rates) = nil error")
	}
}

func TestTuneAndCompare(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps, cfg.EvalEvery = 60, 30
	arms := []Arm{{optim.SGD(1), []float64{0.0001, 0.5}}, {optim.AdamW(1), []float64{3e-3}}}
	res, err := TuneAndCompare(cfg, arms, Seeds(2))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Optimizer.LR != 0.5 || len(res[0].Runs) != 2 || len(res[0].Grid) != 2 {
		t.Errorf("SGD arm chose lr %v with %d runs, want 0.5 with 2", res[0].Optimizer.LR, len(res[0].Runs))
	}
	if res[0].Grid[0].MeanBestValLoss <= res[0].Grid[1].MeanBestValLoss {
		t.Errorf("grid %+v: lr 0.0001 should be worse than 0.5", res[0].Grid)
	}
	if rows := CompareRows(res); len(rows) != 2 || len(rows[0]) != len(CompareHeader()) {
		t.Errorf("CompareRows = %q", rows)
	}
	got := DescribeComparison(res)
	if !strings.Contains(got, "Highest mean test accuracy") {
		t.Errorf("DescribeComparison = %q", got)
	}
	// SGD chose 0.5, the largest of its two rates; AdamW has a grid of one rate.
	if want := "edge of the learning-rate grid, so a wider grid may do better: SGD (lr 0.5, the largest tried)."; !strings.Contains(got, want) {
		t.Errorf("DescribeComparison = %q, want it to contain %q", got, want)
	}
	if fig := ArmBands("val", "loss", res, (*Record).ValLoss); fig == nil {
		t.Errorf("ArmBands = nil")
	}
	if _, err := TuneAndCompare(cfg, []Arm{{optim.SGD(1), nil}}, Seeds(1)); err == nil {
		t.Errorf("arm without learning rates: no error")
	}
}

func fakeRuns(accs ...float64) []*Record {
	var out []*Record
	for _, a := range accs {
		out = append(out, &Record{Summary: Summary{TestAcc: a, StepsDone: 100},
			Steps: []StepMetrics{{Step: 1, GradNorm: a, Clipped: a > 0.5}, {Step: 2, GradNorm: 2 * a}}})
	}
	return out
}

func TestFigureHelpers(t *testing.T) {
	runs := [][]*Record{fakeRuns(0.90, 0.91, 0.92), fakeRuns(0.95, 0.96, 0.97)}
	got := DescribeMetricSweep("weight decay", "test accuracy", []float64{0, 1}, runs, TestAccOf, true)
	if !strings.Contains(got, "Best weight decay: 1 with test accuracy 0.960") || !strings.Contains(got, "do not overlap") {
		t.Errorf("DescribeMetricSweep = %q", got)
	}
	if b := MetricBars("t", "y", "λ", []float64{0, 1}, runs, TestErrorOf); len(b.Categories) != 2 || b.Categories[1] != "λ=1" {
		t.Errorf("MetricBars categories = %v", b.Categories)
	}
	if n := PooledGradNorms(runs[0]); len(n) != 6 || n[1] != 1.8 {
		t.Errorf("PooledGradNorms = %v", n)
	}
	row := ClipRow("x", runs[1])
	if row[1] != "0 of 3" || row[2] != "50.0%" || len(row) != len(ClipHeader()) {
		t.Errorf("ClipRow = %q", row)
	}
	if got := DescribeEarlyStopping(runs[0], runs[1]); !strings.Contains(got, "96.0% ± ") || !strings.Contains(got, "do not overlap") {
		t.Errorf("DescribeEarlyStopping = %q", got)
	}
	if rows := ClipRows([]string{"a", "b"}, runs); len(rows) != 2 || rows[1][0] != "b" {
		t.Errorf("ClipRows = %q", rows)
	}
	runs[0][1].Summary.Divergence = &Divergence{Step: 7, Reason: ReasonExplosion}
	want := "**off**: 1 of 3 runs diverged (at steps 7; their test accuracy is that of their best evaluation before diverging, " +
		"at steps 0), and 50.0% of their 6 updates were clipped. **on**: 0 of 3 runs diverged, and 50.0% of their 6 updates were clipped."
	if got := DescribeClipping([]string{"off", "on"}, runs); got != want {
		t.Errorf("DescribeClipping = %q, want %q", got, want)
	}
	if fig := GradNormECDF("t", []string{"off", "on"}, runs); fig == nil {
		t.Errorf("GradNormECDF = nil")
	}
	if fig := TrainLossFigure("t", runs[0]); fig == nil {
		t.Errorf("TrainLossFigure = nil")
	}
	if rows := SummaryRows(runs[0]); len(rows) != 3 || len(rows[0]) != len(SummaryHeader()) {
		t.Errorf("SummaryRows = %q", rows)
	}
}
