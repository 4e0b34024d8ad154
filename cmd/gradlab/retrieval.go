package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/display"
	"github.com/gradlab/gradlab/lib/retrieval"
)

func init() {
	register(command{
		name:    "retrieval",
		summary: "evaluate retrieval by query slice, with confidence intervals (BEIR + embeddings, or TREC runs)",
		run:     runRetrieval,
	})
}

const retrievalUsage = `(--beir DIR --query-emb FILE --doc-emb FILE | --qrels FILE --run FILE [--run FILE ...]) [flags]

Evaluates retrieval the way trec_eval does and breaks the result down by query slice, with
seeded percentile bootstrap intervals and a paired randomization test between the first
run (or scorer) and each other one.

(a) A BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv) and embeddings: .npy
    (float16, float32 or float64, rows in the order of corpus.jsonl and queries.jsonl) or
    JSONL, one {"id": ..., "embedding": [...]} per line. Each --scorer retrieves the top
    --depth documents per query on the GoMLX backend.
(b) TREC qrels ("qid iter docno rel") and run files ("qid Q0 docno rank score tag").

Slices come from --slices (lines "query-id<TAB>slice") or, for a BEIR folder, --slice-field.
Queries without judgments are not evaluated (trec_eval's rule) and are counted per slice.

--json writes {"runs": {RUN: {SLICE: {MEASURE: value}}}, "intervals", "comparisons",
"skipped", "warnings", "settings"}. Measures carry trec_eval's names (map, ndcg_cut_10,
recall_10, P_10, recip_rank, success_10, num_q) and the values trec_eval's summary line
would print for the slice: means, except num_rel, num_ret and num_rel_ret, which are sums.

flags:`

// retrievalFlags holds the parsed flags of gradlab retrieval.
type retrievalFlags struct {
	beir, split, queryEmb, docEmb string
	docIDField, queryIDField      string
	queryTextField, relevantField string
	sliceField, slicesPath        string
	qrels                         string
	runs                          stringList
	scorers, cutoffs, measures    string
	similarities                  []retrieval.Similarity // parsed from scorers
	depth, level, resamples       int
	seed                          uint64
	complete                      bool
	jsonPath, outDir              string
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func parseRetrievalFlags(args []string, stderr io.Writer) (*retrievalFlags, error) {
	f := &retrievalFlags{}
	fs := newFlagSet("retrieval", retrievalUsage, stderr)
	fs.StringVar(&f.beir, "beir", "", "BEIR folder with corpus.jsonl, queries.jsonl and qrels/SPLIT.tsv")
	fs.StringVar(&f.split, "split", "test", "qrels split of the BEIR folder")
	fs.StringVar(&f.queryEmb, "query-emb", "", "query embeddings, .npy or .jsonl")
	fs.StringVar(&f.docEmb, "doc-emb", "", "document embeddings, .npy or .jsonl")
	fs.StringVar(&f.docIDField, "doc-id-field", "_id", "corpus.jsonl field holding the document id")
	fs.StringVar(&f.queryIDField, "query-id-field", "_id", "queries.jsonl field holding the query id")
	fs.StringVar(&f.queryTextField, "query-text-field", "text", "queries.jsonl field holding the query text")
	fs.StringVar(&f.relevantField, "relevant-field", "", "queries.jsonl field listing relevant document ids, instead of a qrels file")
	fs.StringVar(&f.sliceField, "slice-field", "", "queries.jsonl field holding the query's slice")
	fs.StringVar(&f.slicesPath, "slices", "", `file of "query-id<TAB>slice" lines`)
	fs.StringVar(&f.qrels, "qrels", "", "TREC qrels file")
	fs.Var(&f.runs, "run", "TREC run file (repeat the flag for several runs)")
	fs.StringVar(&f.scorers, "scorers", "cosine,dot", "similarities to retrieve with (cosine, dot, l2), comma-separated")
	fs.StringVar(&f.cutoffs, "cutoffs", "1,5,10", "cutoffs k of the @k measures, comma-separated and increasing")
	fs.StringVar(&f.measures, "measures", "", "measures in the table and plots (default ndcg_cut_K,recall_K,recip_rank,map for the largest cutoff K)")
	fs.IntVar(&f.depth, "depth", 100, "documents retrieved per query from embeddings")
	fs.IntVar(&f.level, "level", 1, "smallest judgment that counts as relevant (trec_eval -l)")
	fs.BoolVar(&f.complete, "complete", false, "score judged queries missing from a run as 0 (trec_eval -c)")
	fs.IntVar(&f.resamples, "bootstrap", 2000, "bootstrap resamples and random sign flips")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the bootstrap and the randomization test")
	fs.StringVar(&f.jsonPath, "json", "", "write the results as JSON to this file ('-' for standard output, the tables then go to standard error)")
	fs.StringVar(&f.outDir, "out", "", "folder for SVG plots (one per measure) and, for embeddings, the TREC runs")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageErrorf("unexpected arguments %q", fs.Args())
	}
	embeddingMode := f.beir != "" || f.queryEmb != "" || f.docEmb != ""
	runMode := f.qrels != "" || len(f.runs) > 0
	switch {
	case embeddingMode && runMode:
		return nil, usageErrorf("give either --beir with embeddings or --qrels with runs, not both")
	case embeddingMode && (f.beir == "" || f.queryEmb == "" || f.docEmb == ""):
		return nil, usageErrorf("--beir, --query-emb and --doc-emb go together")
	case runMode && (f.qrels == "" || len(f.runs) == 0):
		return nil, usageErrorf("--qrels needs at least one --run")
	case !embeddingMode && !runMode:
		return nil, usageErrorf("nothing to evaluate: give --beir DIR --query-emb FILE --doc-emb FILE, or --qrels FILE --run FILE")
	case f.sliceField != "" && f.beir == "":
		return nil, usageErrorf("--slice-field needs --beir; for TREC runs use --slices")
	case f.depth < 1 || f.resamples < 1:
		return nil, usageErrorf("--depth and --bootstrap must be positive (got %d and %d)", f.depth, f.resamples)
	}
	if embeddingMode {
		seen := map[retrieval.Similarity]bool{}
		for _, name := range strings.Split(f.scorers, ",") {
			sim, err := retrieval.ParseSimilarity(strings.TrimSpace(name))
			if err != nil {
				return nil, usageErrorf("--scorers: %v", err)
			}
			if seen[sim] {
				return nil, usageErrorf("--scorers lists %s twice (got %q)", sim, f.scorers)
			}
			seen[sim] = true
			f.similarities = append(f.similarities, sim)
		}
	}
	if err := checkOutputIsNotInput(f); err != nil {
		return nil, err
	}
	return f, nil
}

// checkOutputIsNotInput rejects a --json file that is one of the input files, which
// writing the report would overwrite.
func checkOutputIsNotInput(f *retrievalFlags) error {
	if f.jsonPath == "" || f.jsonPath == "-" {
		return nil
	}
	out, err := os.Stat(f.jsonPath)
	if err != nil {
		return nil // a new file cannot be an input
	}
	inputs := append([]string{f.queryEmb, f.docEmb, f.qrels, f.slicesPath}, f.runs...)
	if f.beir != "" {
		inputs = append(inputs, filepath.Join(f.beir, "corpus.jsonl"), filepath.Join(f.beir, "queries.jsonl"),
			filepath.Join(f.beir, "qrels", f.split+".tsv"))
	}
	for _, in := range inputs {
		if in == "" {
			continue
		}
		if info, err := os.Stat(in); err == nil && os.SameFile(info, out) {
			return usageErrorf("--json %s is the input file %s; write the report elsewhere", f.jsonPath, in)
		}
	}
	return nil
}

// namedRun is one run to evaluate and the name it is reported under.
type namedRun struct {
	name string
	run  retrieval.Run
}

func runRetrieval(args []string, stdout, stderr io.Writer) error {
	f, err := parseRetrievalFlags(args, stderr)
	if err != nil {
		return err
	}
	cutoffs, err := parseCutoffs(f.cutoffs)
	if err != nil {
		return err
	}
	measures := defaultMeasures(f.measures, cutoffs)
	// With --json - the JSON alone goes to standard output, so it can be piped, and the
	// tables go to standard error.
	text := stdout
	if f.jsonPath == "-" {
		text = stderr
	}

	var (
		qrels    retrieval.Qrels
		labels   map[string]string
		runs     []namedRun
		warnings []string
	)
	if f.beir != "" {
		qrels, labels, runs, warnings, err = embeddingRuns(f, text)
	} else {
		qrels, runs, err = trecRuns(f)
	}
	if err != nil {
		return err
	}
	if f.slicesPath != "" {
		if labels, err = retrieval.ReadSliceLabels(f.slicesPath); err != nil {
			return err
		}
		w, err := checkSliceLabels(f.slicesPath, labels, qrels, runs)
		if err != nil {
			return err
		}
		warnings = append(warnings, w...)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	return evaluateAndReport(f, qrels, labels, runs, cutoffs, measures, warnings, text, stdout)
}

// checkSliceLabels compares the query ids of a slice file with those of the qrels and
// runs. A file that labels none of them is an error, since every slice would be empty;
// labels of unknown queries and judged queries without a label are reported as warnings.
func checkSliceLabels(path string, labels map[string]string, qrels retrieval.Qrels, runs []namedRun) ([]string, error) {
	known := map[string]bool{}
	for qid := range qrels {
		known[qid] = true
	}
	for _, r := range runs {
		for qid := range r.run {
			known[qid] = true
		}
	}
	var unknown, unlabelled []string
	for qid := range labels {
		if !known[qid] {
			unknown = append(unknown, qid)
		}
	}
	for qid := range qrels {
		if _, ok := labels[qid]; !ok {
			unlabelled = append(unlabelled, qid)
		}
	}
	sort.Strings(unknown)
	sort.Strings(unlabelled)
	if len(unknown) == len(labels) {
		return nil, fmt.Errorf("%s labels %d query ids, none of which is in the qrels or the runs (labelled: %s; judged: %s); the files do not belong together",
			path, len(labels), quoted(unknown, 3), quoted(qrels.QueryIDs(), 3))
	}
	var warnings []string
	if len(unknown) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d labelled query ids are in neither the qrels nor the runs: %s", path, len(unknown), quoted(unknown, 5)))
	}
	if len(unlabelled) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d judged queries have no label and form the slice %q: %s", path, len(unlabelled), retrieval.SliceUnlabelled, quoted(unlabelled, 5)))
	}
	return warnings, nil
}

// quoted formats at most max strings for a message.
func quoted(items []string, max int) string {
	parts := make([]string, 0, min(len(items), max)+1)
	for i, s := range items {
		if i == max {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(items)-max))
			break
		}
		parts = append(parts, strconv.Quote(s))
	}
	return strings.Join(parts, ", ")
}

func parseCutoffs(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || k < 1 {
			return nil, usageErrorf("--cutoffs: %q is not a positive integer", part)
		}
		if len(out) > 0 && k <= out[len(out)-1] {
			return nil, usageErrorf("--cutoffs must increase (got %s)", s)
		}
		out = append(out, k)
	}
	return out, nil
}

func defaultMeasures(s string, cutoffs []int) []string {
	if s != "" {
		return strings.Split(s, ",")
	}
	k := cutoffs[len(cutoffs)-1]
	return []string{retrieval.NDCG(k), retrieval.Recall(k), retrieval.MeasureRecipRank, retrieval.MeasureMAP}
}

func trecRuns(f *retrievalFlags) (retrieval.Qrels, []namedRun, error) {
	qrels, err := retrieval.ReadQrels(f.qrels)
	if err != nil {
		return nil, nil, err
	}
	var runs []namedRun
	seen := map[string]bool{}
	for _, path := range f.runs {
		run, tag, err := retrieval.ReadRun(path)
		if err != nil {
			return nil, nil, err
		}
		name := uniqueRunName(tag, path, seen)
		runs = append(runs, namedRun{name: name, run: run})
	}
	return qrels, runs, nil
}

// uniqueRunName names a run by its tag, or by its file name when another run has the tag,
// adding "#2", "#3", … until the name is unused, so no run overwrites another in the
// report.
func uniqueRunName(tag, path string, seen map[string]bool) string {
	name := tag
	if name == "" || seen[name] {
		name = filepath.Base(path)
	}
	for i := 2; seen[name]; i++ {
		name = fmt.Sprintf("%s#%d", filepath.Base(path), i)
	}
	seen[name] = true
	return name
}

// embeddingRuns reads the BEIR folder and the embeddings and retrieves with each scorer.
func embeddingRuns(f *retrievalFlags, stdout io.Writer) (retrieval.Qrels, map[string]string, []namedRun, []string, error) {
	paths, err := retrieval.FindBEIR(f.beir, f.split, f.relevantField != "")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ds, err := retrieval.ReadBEIR(paths, retrieval.Fields{DocID: f.docIDField, QueryID: f.queryIDField,
		QueryText: f.queryTextField, Relevant: f.relevantField, Slice: f.sliceField})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	warnings := ds.Warnings
	queries, qWarn, err := readEmbeddings(f.queryEmb, ds.QueryIDs, "queries")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	docs, dWarn, err := readEmbeddings(f.docEmb, ds.DocIDs, "documents")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	warnings = append(append(warnings, qWarn...), dWarn...)
	if queries.Cols != docs.Cols {
		return nil, nil, nil, nil, fmt.Errorf("%s has %d dimensions but %s has %d; embed queries and documents with the same model",
			f.queryEmb, queries.Cols, f.docEmb, docs.Cols)
	}

	b, err := backend.New()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	searcher := retrieval.NewSearcher(b)
	var runs []namedRun
	for _, sim := range f.similarities {
		res, err := searcher.Search(queries, docs, sim, retrieval.SearchOptions{K: f.depth})
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if sim == retrieval.Cosine && res.ZeroNormQueries+res.ZeroNormDocs > 0 {
			warnings = append(warnings, fmt.Sprintf("cosine: %d zero-norm queries and %d zero-norm documents have no direction and score 0 against everything",
				res.ZeroNormQueries, res.ZeroNormDocs))
		}
		run, err := res.Run(ds.QueryIDs, ds.DocIDs)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		runs = append(runs, namedRun{name: sim.String(), run: run})
	}
	fmt.Fprintf(stdout, "%d documents, %d queries, %d dimensions; %s\n", docs.Rows, queries.Rows, docs.Cols, backend.Report())
	return ds.Qrels, ds.Slices, runs, warnings, nil
}

// readEmbeddings reads .npy rows in the order of ids, or JSONL embeddings reordered to ids.
// Every id needs a vector; vectors without an id in the data set are dropped with a warning.
func readEmbeddings(path string, ids []string, kind string) (retrieval.Matrix, []string, error) {
	if strings.HasSuffix(strings.ToLower(path), ".npy") {
		m, err := retrieval.ReadNpy(path)
		if err != nil {
			return m, nil, err
		}
		if m.Rows != len(ids) {
			return m, nil, fmt.Errorf("%s has %d rows but the data set has %d %s; .npy rows must follow the order of the JSONL file",
				path, m.Rows, len(ids), kind)
		}
		return m, nil, m.CheckFinite(path)
	}
	e, err := retrieval.ReadEmbeddingsJSONL(path)
	if err != nil {
		return retrieval.Matrix{}, nil, err
	}
	row := map[string]int{}
	for i, id := range e.IDs {
		row[id] = i
	}
	m := retrieval.NewMatrix(len(ids), e.Vectors.Cols)
	var missing []string
	for i, id := range ids {
		j, ok := row[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		copy(m.Row(i), e.Vectors.Row(j))
		delete(row, id)
	}
	if len(missing) > 0 {
		return m, nil, fmt.Errorf("%s has no vector for %d %s, for example %q", path, len(missing), kind, missing[0])
	}
	warnings := e.Warnings
	if len(row) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: ignored %d vectors whose id is not among the %s", path, len(row), kind))
	}
	return m, warnings, m.CheckFinite(path)
}

// evaluateAndReport prints the tables to text and writes the JSON report (to stdout for
// --json -) and the plots.
func evaluateAndReport(f *retrievalFlags, qrels retrieval.Qrels, labels map[string]string, runs []namedRun,
	cutoffs []int, measures []string, warnings []string, text, stdout io.Writer) error {
	opts := retrieval.EvalOptions{Cutoffs: cutoffs, RelevanceLevel: f.level, Complete: f.complete}
	boot := retrieval.BootstrapOptions{Resamples: f.resamples, Seed: f.seed}
	var evals []*retrieval.Evaluation
	var named []retrieval.NamedSummaries
	for _, r := range runs {
		ev, err := retrieval.Evaluate(qrels, r.run, opts)
		if err != nil {
			return fmt.Errorf("run %s: %w", r.name, err)
		}
		for _, m := range measures {
			if !containsString(ev.Measures, m) {
				return usageErrorf("--measures: unknown measure %q; known: %s", m, strings.Join(ev.Measures, ", "))
			}
		}
		evals = append(evals, ev)
		named = append(named, retrieval.NamedSummaries{Name: r.name, Summaries: retrieval.SummarizeBySlice(ev, labels, ev.Measures, boot)})
	}

	printUnjudgedScores(text, runs, evals)

	header, rows := retrieval.SliceTable(named, measures)
	fmt.Fprintf(text, "\nmeans with %d-resample percentile bootstrap 95%% intervals (skipped: labelled queries not evaluated)\n", f.resamples)
	fmt.Fprint(text, display.TextTable(header, rows))

	var comparisons []retrieval.ReportComparison
	for _, other := range named[1:] {
		cmp := retrieval.CompareBySlice(evals[0], evals[indexOfRun(named, other.Name)], labels, measures[0], boot)
		header, rows := retrieval.ComparisonTable(named[0].Name, other.Name, cmp)
		fmt.Fprintf(text, "\n%s: %s minus %s, paired by query\n", measures[0], named[0].Name, other.Name)
		fmt.Fprint(text, display.TextTable(header, rows))
		comparisons = append(comparisons, retrieval.ComparisonsForReport(named[0].Name, other.Name, cmp)...)
	}

	report := retrieval.NewReport(evals, named, comparisons, boot, warnings)
	if f.jsonPath != "" {
		if err := writeReportJSON(report, f.jsonPath, stdout); err != nil {
			return err
		}
	}
	if f.outDir != "" {
		return writeRetrievalOutputs(f.outDir, named, measures, runs, f.beir != "", text)
	}
	return nil
}

// printUnjudgedScores compares, per run, the top scores of queries without judgments (for
// example queries with no answer in the corpus) with those of evaluated queries.
func printUnjudgedScores(stdout io.Writer, runs []namedRun, evals []*retrieval.Evaluation) {
	for i, r := range runs {
		unjudged := evals[i].NotJudged
		if len(unjudged) == 0 {
			continue
		}
		judged := r.run.TopScores(evals[i].QueryIDs())
		other := r.run.TopScores(unjudged)
		fmt.Fprintf(stdout, "%s: %d queries without judgments have a mean top score of %.4f, against %.4f for the %d evaluated queries\n",
			r.name, len(other), meanOf(other), meanOf(judged), len(judged))
	}
}

func meanOf(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(max(len(xs), 1))
}

func indexOfRun(named []retrieval.NamedSummaries, name string) int {
	for i, n := range named {
		if n.Name == name {
			return i
		}
	}
	return 0
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeReportJSON(r *retrieval.Report, path string, stdout io.Writer) error {
	if path == "-" {
		return r.WriteJSON(stdout)
	}
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.WriteJSON(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// writeRetrievalOutputs writes one SVG bar chart per measure and, when the runs were
// computed from embeddings, each run as a TREC file that trec_eval can read.
func writeRetrievalOutputs(dir string, named []retrieval.NamedSummaries, measures []string, runs []namedRun, writeRuns bool, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, m := range measures {
		path := filepath.Join(dir, m+".svg")
		if err := retrieval.SliceBars(m+" by query slice (95% bootstrap intervals)", m, named).Save(path); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	if !writeRuns {
		return nil
	}
	for _, r := range runs {
		path := filepath.Join(dir, r.name+".run")
		file, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := retrieval.WriteRun(file, r.run, "gradlab-"+r.name); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
}
