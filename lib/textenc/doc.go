// Package textenc is a small text encoder trained with GoMLX: hashed character n-gram
// counts times a learned projection, trained with an in-batch contrastive loss. Chapter 1
// (notebooks/01-vector-geometry.ipynb) trains it on the CLDR annotations of lib/cldr and
// uses its embeddings to compare dot product and cosine similarity.
//
// Shapes: an encoder has Buckets hash buckets and embeds into Dim dimensions, so its one
// parameter is W [Buckets, Dim]; Encode returns [len(texts), Dim]. A training batch of B
// pairs gives B×B scores.
//
// The embedding of a text is the sum of the rows of W for its n-grams, not their mean, so
// its norm grows with the text's length. That is deliberate: it is the property that makes
// dot product and cosine similarity rank documents differently.
//
// Training is seeded (initial W, batch order) and deterministic on one backend;
// BenchmarkTrain records its speed.
//
// Error policy: graph-building code panics with GoMLX's exceptions, which only a bug can
// trigger; New, Encode and Train return errors for bad configurations, too few examples, a
// NaN loss, or a backend failure.
//
// Limitations: text is lowercased but not Unicode-normalized, which CLDR data does not need
// because it is already NFC. Hash collisions merge unrelated n-grams. The Adam update is
// dense over all buckets, so a step costs O(Buckets·Dim) however small the batch.
package textenc
