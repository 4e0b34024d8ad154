package cldr

import (
	"fmt"
	"strings"

	"github.com/gradlab/gradlab/lib/retrieval"
)

// Alpha is the significance level of the chapter's verdicts: a slice counts as won by one
// scorer when the paired test gives p < Alpha and the interval of the difference excludes 0.
const Alpha = 0.05

// ComparisonMeasure is the measure the chapter compares the scorers on.
var ComparisonMeasure = retrieval.NDCG(10)

// EncoderComparison is cosine against dot product for one trained encoder.
type EncoderComparison struct {
	Encoder string // ModelResult.Name
	// Slices compares the two scorers on ComparisonMeasure, SliceAll first, paired by query.
	Slices []retrieval.SliceComparison
	// TopDot and TopCosine are the mean norms of the documents each scorer ranks first, and
	// Relevant that of the relevant documents, all over every query and relative to the
	// mean document norm (retrieval.TopNormsBySlice, slice "all").
	TopDot, TopCosine, Relevant float64
}

// Compare compares cosine with dot product for each encoder of x: paired randomization
// tests and bootstrap intervals (seed 1) per slice, and the norms of the first-ranked
// documents. It returns an error when x lacks a cosine or dot run.
func (x *Experiment) Compare() ([]EncoderComparison, error) {
	var out []EncoderComparison
	for _, m := range x.Models {
		cos, err := x.Evaluate(m, retrieval.Cosine)
		if err != nil {
			return nil, err
		}
		dot, err := x.Evaluate(m, retrieval.Dot)
		if err != nil {
			return nil, err
		}
		c := EncoderComparison{Encoder: m.Name(),
			Slices: retrieval.CompareBySlice(cos, dot, x.Bench.Slices, ComparisonMeasure, retrieval.BootstrapOptions{Seed: 1})}
		norms := x.DocNormsByID(m)
		c.TopCosine, c.Relevant = topAll(m.Runs[retrieval.Cosine.String()], x.Bench.Qrels, norms)
		c.TopDot, _ = topAll(m.Runs[retrieval.Dot.String()], x.Bench.Qrels, norms)
		out = append(out, c)
	}
	return out, nil
}

func topAll(run retrieval.Run, qrels retrieval.Qrels, norms map[string]float64) (top, relevant float64) {
	all := retrieval.TopNormsBySlice(run, qrels, norms, nil)[0]
	return all.Top1, all.Relevant
}

// MechanismTable returns, for encoder m of x, one row per scorer and slice: the number of
// queries and the mean norms of the first-ranked and of the relevant documents, relative
// to the mean document norm.
func (x *Experiment) MechanismTable(m ModelResult) (header []string, rows [][]string) {
	header = []string{"scorer", "slice", "queries", "first document ‖d‖ / mean", "relevant ‖d‖ / mean"}
	norms := x.DocNormsByID(m)
	for _, scorer := range []retrieval.Similarity{retrieval.Cosine, retrieval.Dot} {
		for _, tn := range retrieval.TopNormsBySlice(m.Runs[scorer.String()], x.Bench.Qrels, norms, x.Bench.Slices) {
			rows = append(rows, []string{scorer.String(), tn.Slice, fmt.Sprint(tn.N), fmt.Sprintf("%.2f", tn.Top1), fmt.Sprintf("%.2f", tn.Relevant)})
		}
	}
	return header, rows
}

// VerdictLines returns one markdown list item per encoder and slice with retrieval.Verdict
// at level Alpha.
func VerdictLines(cmps []EncoderComparison) string {
	var lines []string
	for _, e := range cmps {
		for _, c := range e.Slices {
			lines = append(lines, fmt.Sprintf("- encoder %s, slice **%s** (%d queries): %s",
				e.Encoder, c.Slice, c.N, retrieval.Verdict(c, "cosine", "dot", Alpha)))
		}
	}
	return strings.Join(lines, "\n")
}

// sliceOutcome sorts the slices of one encoder (SliceAll left out) by verdict and finds
// the slices with the largest and smallest gap cosine − dot.
type sliceOutcome struct {
	cosine, dot, ties []string
	largest, smallest retrieval.SliceComparison
	gapDependsOnSlice bool // the two gaps' intervals do not overlap
	slices            int
}

func outcome(e EncoderComparison) sliceOutcome {
	var o sliceOutcome
	for _, c := range e.Slices {
		if c.Slice == retrieval.SliceAll {
			continue
		}
		switch {
		case c.PValue < Alpha && c.DiffCI.Lo > 0:
			o.cosine = append(o.cosine, c.Slice)
		case c.PValue < Alpha && c.DiffCI.Hi < 0:
			o.dot = append(o.dot, c.Slice)
		default:
			o.ties = append(o.ties, c.Slice)
		}
		if o.slices == 0 || c.MeanDiff > o.largest.MeanDiff {
			o.largest = c
		}
		if o.slices == 0 || c.MeanDiff < o.smallest.MeanDiff {
			o.smallest = c
		}
		o.slices++
	}
	o.gapDependsOnSlice = o.slices > 1 && o.largest.DiffCI.Lo > o.smallest.DiffCI.Hi
	return o
}

// Implication states the practical conclusion of the comparisons in markdown: per encoder,
// the slices each scorer wins at level Alpha, the range of the gap and whether it depends
// on the slice (the intervals of the largest and smallest gap do not overlap), and the
// norms of the first-ranked documents; then a conclusion chosen by those outcomes. Every
// statement follows from the numbers, so the text changes when they do.
func Implication(cmps []EncoderComparison) string {
	var b strings.Builder
	var anyCosine, anyDot, mixedWithin, anyDepends bool
	for _, e := range cmps {
		o := outcome(e)
		if o.slices == 0 {
			continue
		}
		fmt.Fprintf(&b, "**Encoder %s.** Cosine ranks better on %d of %d slices%s; dot product on %d%s",
			e.Encoder, len(o.cosine), o.slices, listed(o.cosine), len(o.dot), listed(o.dot))
		if len(o.ties) > 0 {
			fmt.Fprintf(&b, "; no detectable difference on %s", strings.Join(o.ties, ", "))
		}
		fmt.Fprintf(&b, ". The %s gap (cosine − dot) ranges from %+.3f [%+.3f, %+.3f] on %s to %+.3f [%+.3f, %+.3f] on %s",
			ComparisonMeasure, o.smallest.MeanDiff, o.smallest.DiffCI.Lo, o.smallest.DiffCI.Hi, o.smallest.Slice,
			o.largest.MeanDiff, o.largest.DiffCI.Lo, o.largest.DiffCI.Hi, o.largest.Slice)
		if o.gapDependsOnSlice {
			b.WriteString("; those intervals do not overlap, so the gap depends on the slice")
		} else {
			b.WriteString("; those intervals overlap, so these queries cannot tell the slices' gaps apart")
		}
		fmt.Fprintf(&b, ". The documents dot product ranks first have %.2f× the mean document norm (cosine's: %.2f×; the relevant ones: %.2f×).\n\n",
			e.TopDot, e.TopCosine, e.Relevant)
		anyCosine = anyCosine || len(o.cosine) > 0
		anyDot = anyDot || len(o.dot) > 0
		mixedWithin = mixedWithin || (len(o.cosine) > 0 && len(o.dot) > 0)
		anyDepends = anyDepends || o.gapDependsOnSlice
	}
	b.WriteString(conclusion(anyCosine, anyDot, mixedWithin, anyDepends))
	return b.String()
}

func conclusion(anyCosine, anyDot, mixedWithin, anyDepends bool) string {
	const check = " Before serving an index with dot product (for example a maximum-inner-product index), evaluate both scorers per slice."
	switch {
	case mixedWithin:
		return "Which scorer ranks better depends on the query slice: the same embeddings rank some slices better by cosine and others by dot product, so an average over all queries hides a loss somewhere." + check
	case anyCosine && anyDot:
		return "Which scorer ranks better depends on how the encoder was trained, not only on the slice." + check
	case anyCosine && anyDepends:
		return "Normalizing never lost on a slice measured here, but how much it gains depends on the slice, so an average over all queries hides where dot product hurts most." + check +
			" Where the first-ranked documents are longer than the relevant ones, the norms carry length rather than relevance: normalize the vectors."
	case anyCosine:
		return "Normalizing never lost on a slice measured here, and these queries show no slice where it gains clearly more than on another." + check
	case anyDot:
		return "Dot product never lost on a slice measured here: the norms carry relevance for these embeddings, and normalizing them would discard it." + check
	default:
		return fmt.Sprintf("No slice shows a difference at p < %.2f with an interval that excludes 0: with these query counts the two scorers cannot be told apart.", Alpha)
	}
}

func listed(slices []string) string {
	if len(slices) == 0 {
		return ""
	}
	return " (" + strings.Join(slices, ", ") + ")"
}
