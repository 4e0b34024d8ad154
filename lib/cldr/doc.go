// Package cldr ships the Unicode CLDR character annotations in compact form and builds
// the multilingual retrieval benchmark of chapter 1 (notebooks/01-vector-geometry.ipynb)
// from them.
//
// # Data
//
// annotations.tsv.gz (about 0.6 MB) holds, for each of 1,966 emoji and symbols, CLDR's
// short name and search keywords in 11 languages (see Languages): 21,623 annotations from
// Unicode CLDR 48.2 (npm package cldr-annotations-full 48.2.0), unchanged, under the Unicode
// License v3 in LICENSE (also in License). gen/ rebuilds the file from the npm package:
//
//	npm pack cldr-annotations-full@48.2.0 && tar xzf cldr-annotations-full-48.2.0.tgz
//	go run ./lib/cldr/gen -src package/annotations -out lib/cldr/annotations.tsv.gz
//
// # Benchmark
//
// Build holds out a seeded 20% of the characters. Documents are the English descriptions
// of the held-out characters ("grinning face: cheerful, cheery, face, grin, …"); relevance
// comes from the shared character. The four query slices:
//
//   - keyword: one English keyword ("pizza"); relevant are all held-out characters whose
//     English keywords include it, so popular keywords have many relevant documents;
//   - sentence: the English name inside a sentence template. The templates are synthetic,
//     since CLDR has no sentences, and the test templates differ from the training ones;
//   - lang-latin: the name in German, French, Spanish, Portuguese or Swahili;
//   - lang-other: the name in Russian, Japanese, Chinese, Hindi or Arabic.
//
// Keyword and sentence queries share words with their documents by construction; the
// other-language slices share few or none (loanwords and numbers aside), so they measure
// what the encoder learned from the training characters.
//
// # Experiment
//
// RunExperiment trains the chapter's encoders (lib/textenc), embeds the benchmark and
// retrieves with each scorer (lib/retrieval); Compare, VerdictLines and Implication turn
// the runs into the chapter's paired comparisons and its conclusion, which is chosen by
// the measured outcomes. Results are cached under os.UserCacheDir()/gradlab, keyed on
// everything that changes them and checked when read (see RunExperiment), so a stale or
// damaged cache file is recomputed, never used.
//
// Error policy: Load returns an error only for a corrupt embedded file; Build returns an
// error for an invalid configuration, and RunExperiment for a failed training or backend;
// a cache it cannot read or write is reported through its progress callback, not as an
// error. Nothing panics except the Must helpers.
//
// Limitations: the names are short (one to six words), so the "sentence" slice is the only
// long-query slice and its extra words are template filler, not natural paraphrase.
package cldr
