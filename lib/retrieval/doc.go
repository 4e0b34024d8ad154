// Package retrieval evaluates dense retrieval the way trec_eval does and breaks the result
// down by query slice. Chapter 1 (notebooks/01-vector-geometry.ipynb) and the command
// `gradlab retrieval` use it.
//
// # Scoring
//
// Searcher scores query embeddings [Q, dim] against document embeddings [N, dim] with dot
// product, cosine similarity or negated L2 distance on the GoMLX backend. It works in
// document chunks of ChunkDocs rows and query blocks of ChunkQueries rows, and keeps the top
// k per query in a heap on the host. Live memory stays near 4·(Qb·C + C·dim + Q·dim) bytes whatever N is
// (see Searcher.Search). Zero vectors score 0 under cosine and are counted; NaN or ±Inf
// values and mismatched dimensions are errors.
//
// # Measures and trec_eval's conventions
//
// QueryMeasures and Evaluate compute P@k, recall@k, hit rate@k (success), reciprocal rank
// (whole ranking and cut at k), nDCG@k and average precision (whole ranking and cut at k),
// named as trec_eval names them (P_10, recall_10, success_10, ndcg_cut_10, map, map_cut_10,
// recip_rank; recip_rank_10 has no trec_eval counterpart). The variants:
//
//   - nDCG uses linear gain (the judgment value) and the log2(rank + 1) discount, with the
//     ideal ranking built from all judgments of the query (trec_eval's ndcg_cut);
//   - MAP and map_cut divide by the number of relevant documents in the qrels, retrieved
//     or not;
//   - P@k divides by k even when fewer than k documents were retrieved;
//   - summaries average every measure over the queries except num_rel, num_ret and
//     num_rel_ret, which they sum, as trec_eval's summary line does (Evaluation.Summary,
//     SliceSummary.Totals, Report).
//
// Documents are ranked by score, ties broken by document id in decreasing byte order, and
// the run's own rank column is ignored. Queries in the run without judgments are skipped;
// judged queries missing from the run are skipped, or scored 0 with EvalOptions.Complete
// (trec_eval -c); judged queries without a relevant document score 0 and stay in averages.
// These are the rules of trec_eval 9.0.8 (see Evaluate for where 10.0 differs).
//
// # Slices and statistics
//
// SummarizeBySlice averages measures per slice with seeded percentile bootstrap intervals;
// PairedTest and CompareBySlice compare two runs on the same queries with a paired
// randomization (sign-flip) test, exact up to 16 queries. NormsBySlice, Pearson, Spearman
// and TopNormsBySlice describe embedding norms, where dot product and cosine part ways.
//
// # Readers
//
// ReadBEIR reads a BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv) or a
// BEIR-like layout with other field names, judgments from a query field, and slice labels
// from a query field; ReadSliceLabels reads labels from a separate file. ReadQrels and
// ReadRun read TREC files, ReadNpy reads float16/float32/float64 .npy matrices, and
// ReadEmbeddingsJSONL reads {"id": ..., "embedding": [...]} lines.
//
// Error policy: graph-building code panics with GoMLX's exceptions, which only a bug can
// trigger; every function that reads user data returns an error naming the file, the line
// or byte offset, and the problem. Repairs (JSON objects that share a line) and dropped
// items (judgments of unknown queries) are reported as warnings in Dataset.Warnings.
// Input files are only read.
//
// Limitations: graded relevance is supported in nDCG only (other measures are binary at
// the relevance level); the bootstrap resamples queries, not documents, so it says nothing
// about judging noise; TODO: read Parquet and .npz embeddings.
package retrieval
