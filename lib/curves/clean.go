package curves

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// builder collects raw points per key in file order and turns them into clean series.
type builder struct {
	run   *Run
	order []string
	raw   map[string][]Point
	// locate converts Point.Row into a location for messages ("line 12", "record 3").
	locate func(row int) string
}

func newBuilder(run *Run, locate func(row int) string) *builder {
	return &builder{run: run, raw: map[string][]Point{}, locate: locate}
}

func (b *builder) add(key string, p Point) {
	if _, ok := b.raw[key]; !ok {
		b.order = append(b.order, key)
	}
	b.raw[key] = append(b.raw[key], p)
}

// event is one repeated or backwards step, gathered so that one row that repeats several
// keys gives one issue.
type event struct {
	kind IssueKind
	row  int
	step int64
	prev int64
}

// finish builds Run.Series from the collected points: it classifies keys, applies the
// resumed-run rule, reports non-finite values, and sets aside a reloaded best checkpoint.
func (b *builder) finish() {
	events := map[event][]string{}
	var eventOrder []event
	for _, key := range b.order {
		split, set, metric, agg := classifyKey(key)
		s := &Series{Key: key, Split: split, Set: set, Metric: metric, Agg: agg}
		for _, ev := range b.clean(s, b.raw[key]) {
			if _, ok := events[ev]; !ok {
				eventOrder = append(eventOrder, ev)
			}
			events[ev] = append(events[ev], key)
		}
		b.reportNonFinite(s)
		b.run.Series = append(b.run.Series, s)
	}
	for _, ev := range eventOrder {
		keys := strings.Join(events[ev], ", ")
		switch ev.kind {
		case IssueRepeatedStep:
			b.run.addIssue(ev.kind, b.locate(ev.row), "step %d is logged again (%s); the later value is kept", ev.step, keys)
		case IssueStepBackwards:
			b.run.addIssue(ev.kind, b.locate(ev.row), "step %d follows step %d (%s); read as a resumed run, so the later rows replace the earlier rows from step %d on", ev.step, ev.prev, keys, ev.step)
		}
	}
	assignEvalSets(b.run.Series)
	b.setAsideReloadedBest()
	sort.SliceStable(b.run.Series, func(i, j int) bool { return b.run.Series[i].Key < b.run.Series[j].Key })
}

// clean stores the points of raw in s in step order. A repeated step keeps the later
// value. A step lower than the previous one starts a resumed run: the earlier points from
// that step on are dropped, because a run resumed from a checkpoint logs those steps again.
func (b *builder) clean(s *Series, raw []Point) []event {
	var events []event
	out := make([]Point, 0, len(raw))
	for _, p := range raw {
		n := len(out)
		switch {
		case n == 0 || p.Step > out[n-1].Step:
			out = append(out, p)
		case p.Step == out[n-1].Step:
			// Loggers repeat bookkeeping such as epoch in the train and eval rows of one
			// step; a repeat with the same value loses nothing and is not reported.
			if !sameValue(p.Value, out[n-1].Value) {
				events = append(events, event{kind: IssueRepeatedStep, row: p.Row, step: p.Step})
			}
			out[n-1] = p
		default:
			events = append(events, event{kind: IssueStepBackwards, row: p.Row, step: p.Step, prev: out[n-1].Step})
			cut := sort.Search(n, func(i int) bool { return out[i].Step >= p.Step })
			out = append(out[:cut], p)
		}
	}
	s.Points = out
	return events
}

func (b *builder) reportNonFinite(s *Series) {
	first := s.FirstNonFinite()
	if first < 0 {
		return
	}
	count := 0
	for _, p := range s.Points[first:] {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			count++
		}
	}
	p := s.Points[first]
	b.run.addIssue(IssueNonFinite, b.locate(p.Row), "%s is %v at step %d (%d non-finite values in %d points); kept as evidence of divergence",
		s.Key, p.Value, p.Step, count, len(s.Points))
}

// setAsideReloadedBest removes a final evaluation that repeats the best earlier value of
// its eval set exactly. Trainers that reload the best checkpoint at the end and evaluate
// it again log such a row; a float equal to the last bit is not a new measurement. The
// check runs on the set's loss (or first metric); the step is then removed from every
// series of that set.
func (b *builder) setAsideReloadedBest() {
	for _, set := range b.run.EvalSets() {
		s := b.run.EvalSeries(set)
		n := len(s.Points)
		if n < 3 {
			continue
		}
		last := s.Points[n-1]
		best := bestIndex(s.Points[:n-1], s.HigherIsBetter())
		if best < 0 || s.Points[best].Value != last.Value {
			continue
		}
		for _, other := range b.run.Series {
			if other.Split == SplitEval && other.Set == set {
				if m := len(other.Points); m > 0 && other.Points[m-1].Step == last.Step {
					other.Points = other.Points[:m-1]
				}
			}
		}
		b.run.addIssue(IssueReloadedBest, b.locate(last.Row),
			"%s at step %d equals the best earlier value %v at step %d exactly: the best checkpoint reloaded and evaluated again; this point is left out of the %q set",
			s.Key, last.Step, last.Value, s.Points[best].Step, set)
	}
}

func sameValue(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// bestIndex returns the index of the best finite value, the first one on ties, or -1.
func bestIndex(points []Point, higherIsBetter bool) int {
	best := -1
	for i, p := range points {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		if best < 0 || (higherIsBetter && p.Value > points[best].Value) || (!higherIsBetter && p.Value < points[best].Value) {
			best = i
		}
	}
	return best
}

func lineLocation(row int) string { return fmt.Sprintf("line %d", row) }
