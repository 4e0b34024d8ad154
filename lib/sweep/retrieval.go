package sweep

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/retrieval"
	"github.com/gradlab/gradlab/lib/train"
)

// SlicePrecision measures how well a trained classifier's first hidden layer works as an
// embedding for retrieval. Each test example is a query and each training example a
// document; both are embedded as ReLU(x·W₁ᵀ + b₁) with the parameters the run was tested
// with (rebuilt by replay, as in ClassAccuracy), documents are ranked by cosine
// similarity, and a document is relevant when it has the query's class. The result is
// precision@k by slice, where a query's slice is its class name, computed with
// lib/retrieval's trec_eval-compatible evaluation and percentile bootstrap intervals
// (2000 resamples, seed 1). The first summary is the slice "all".
//
// It returns an error for a model without a hidden layer or when the parameters are not
// finite (a diverged run).
func SlicePrecision(splits data.Splits, rec *train.Record, k int) ([]retrieval.SliceSummary, error) {
	if len(rec.Header.Config.Hidden) == 0 {
		return nil, fmt.Errorf("sweep: SlicePrecision: the model has no hidden layer to embed with")
	}
	sess, err := replay(splits, rec)
	if err != nil {
		return nil, fmt.Errorf("sweep: SlicePrecision: %w", err)
	}
	params, err := sess.Params()
	if err != nil {
		return nil, fmt.Errorf("sweep: SlicePrecision: %w", err)
	}
	queries := embedFirstLayer(splits.Test, params.Values[0], params.Values[1])
	docs := embedFirstLayer(splits.Train, params.Values[0], params.Values[1])

	b, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("sweep: SlicePrecision: %w", err)
	}
	res, err := retrieval.NewSearcher(b).Search(queries, docs, retrieval.Cosine, retrieval.SearchOptions{K: k})
	if err != nil {
		return nil, fmt.Errorf("sweep: SlicePrecision: %w", err)
	}
	queryIDs, docIDs := rowIDs("q", splits.Test.N), rowIDs("d", splits.Train.N)
	run, err := res.Run(queryIDs, docIDs)
	if err != nil {
		return nil, fmt.Errorf("sweep: SlicePrecision: %w", err)
	}

	qrels := retrieval.Qrels{}
	labels := map[string]string{}
	byClass := map[int32][]string{}
	for i, y := range splits.Train.Y {
		byClass[y] = append(byClass[y], docIDs[i])
	}
	for i, y := range splits.Test.Y {
		judged := map[string]int{}
		for _, d := range byClass[y] {
			judged[d] = 1
		}
		qrels[queryIDs[i]] = judged
		labels[queryIDs[i]] = splits.Test.ClassNames[y]
	}
	ev, err := retrieval.Evaluate(qrels, run, retrieval.EvalOptions{Cutoffs: []int{k}})
	if err != nil {
		return nil, fmt.Errorf("sweep: SlicePrecision: %w", err)
	}
	return retrieval.SummarizeBySlice(ev, labels, []string{retrieval.Precision(k)}, retrieval.BootstrapOptions{Seed: 1}), nil
}

// embedFirstLayer returns ReLU(x·Wᵀ + b) for every row of t, with W of shape [out, in].
func embedFirstLayer(t *data.Table, w, bias []float32) retrieval.Matrix {
	out := len(bias)
	m := retrieval.NewMatrix(t.N, out)
	for i := 0; i < t.N; i++ {
		x, row := t.Row(i), m.Row(i)
		for o := 0; o < out; o++ {
			z := float64(bias[o])
			wo := w[o*t.D : (o+1)*t.D]
			for j, xj := range x {
				z += float64(wo[j]) * float64(xj)
			}
			row[o] = float32(math.Max(z, 0))
		}
	}
	return m
}

func rowIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + strconv.Itoa(i)
	}
	return ids
}
