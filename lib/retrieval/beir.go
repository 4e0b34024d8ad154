package retrieval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Fields names the JSON fields of a BEIR-style corpus and query file. The zero value is
// BEIR's own layout; other JSONL layouts set the fields they use.
type Fields struct {
	// DocID is the document id field; "" means "_id".
	DocID string
	// DocText lists the fields joined with a space to form a document's text; empty means
	// "title" then "text", BEIR's convention. Missing fields are skipped.
	DocText []string
	// QueryID is the query id field; "" means "_id".
	QueryID string
	// QueryText is the query text field; "" means "text".
	QueryText string
	// Relevant, when set, names a query field holding a JSON array of relevant document
	// ids (relevance 1). It replaces the qrels file; a query with an empty array has no
	// judgment and trec_eval conventions skip it in evaluation.
	Relevant string
	// Slice, when set, names a query field holding the query's slice label.
	Slice string
}

func (f Fields) withDefaults() Fields {
	if f.DocID == "" {
		f.DocID = "_id"
	}
	if len(f.DocText) == 0 {
		f.DocText = []string{"title", "text"}
	}
	if f.QueryID == "" {
		f.QueryID = "_id"
	}
	if f.QueryText == "" {
		f.QueryText = "text"
	}
	return f
}

// Dataset is a retrieval data set: documents, queries, judgments and slice labels.
// Documents and queries keep the order of their files, which is the row order that .npy
// embeddings of them must follow.
type Dataset struct {
	DocIDs, DocTexts     []string
	QueryIDs, QueryTexts []string
	Qrels                Qrels
	// Slices maps query id → slice label; nil when the data set has no labels.
	Slices map[string]string
	// Warnings lists every repair and every dropped item, one sentence each.
	Warnings []string
}

// BEIRPaths are the files of a BEIR folder: corpus.jsonl, queries.jsonl and
// qrels/<split>.tsv. Qrels is "" when the judgments come from a query field.
type BEIRPaths struct {
	Corpus, Queries, Qrels string
}

// FindBEIR returns the paths of BEIR folder dir for split ("test", "dev", …). It checks
// that corpus.jsonl and queries.jsonl exist and, unless qrelsFromField is true, that
// qrels/<split>.tsv does; the error names the missing file.
func FindBEIR(dir, split string, qrelsFromField bool) (BEIRPaths, error) {
	p := BEIRPaths{
		Corpus:  filepath.Join(dir, "corpus.jsonl"),
		Queries: filepath.Join(dir, "queries.jsonl"),
	}
	if !qrelsFromField {
		p.Qrels = filepath.Join(dir, "qrels", split+".tsv")
	}
	for _, path := range []string{p.Corpus, p.Queries, p.Qrels} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				msg := fmt.Sprintf("retrieval: FindBEIR: %s not found; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/%s.tsv", path, split)
				if path == p.Qrels {
					msg += ", unless a query field lists the relevant documents (Fields.Relevant, gradlab retrieval --relevant-field)"
				}
				return BEIRPaths{}, errors.New(msg)
			}
			return BEIRPaths{}, fmt.Errorf("retrieval: FindBEIR: %w", err)
		}
	}
	return p, nil
}

// ReadBEIR reads a BEIR-style data set from paths with the given field names, then checks it
// (see Dataset.check). Errors name the file, line and field; repairs and dropped judgments
// are listed in Dataset.Warnings. No file is modified.
func ReadBEIR(paths BEIRPaths, fields Fields) (*Dataset, error) {
	fields = fields.withDefaults()
	ds := &Dataset{}
	if err := ds.readCorpus(paths.Corpus, fields); err != nil {
		return nil, fmt.Errorf("retrieval: ReadBEIR: %w", err)
	}
	if err := ds.readQueries(paths.Queries, fields); err != nil {
		return nil, fmt.Errorf("retrieval: ReadBEIR: %w", err)
	}
	if paths.Qrels != "" && fields.Relevant == "" {
		qrels, err := ReadBEIRQrels(paths.Qrels)
		if err != nil {
			return nil, err
		}
		ds.Qrels = qrels
	}
	if ds.Qrels == nil {
		return nil, fmt.Errorf("retrieval: ReadBEIR: no judgments: give a qrels file or the query field that lists relevant documents")
	}
	judged := ds.Qrels.QueryIDs()
	ds.check(paths)
	if len(judged) == 0 {
		return nil, fmt.Errorf("retrieval: ReadBEIR: no query in %s lists a relevant document in field %q", paths.Queries, fields.Relevant)
	}
	if len(ds.Qrels) == 0 {
		source := paths.Qrels
		if source == "" {
			source = paths.Queries + " field " + fields.Relevant
		}
		return nil, fmt.Errorf("retrieval: ReadBEIR: none of the %d query ids judged in %s is in %s (judged: %s; first queries: %s); the files do not belong together. Also noted while reading: %s",
			len(judged), source, paths.Queries, quoteList(judged, 3), quoteList(ds.QueryIDs, 3), strings.Join(ds.Warnings, "; "))
	}
	return ds, nil
}

func (ds *Dataset) readCorpus(path string, fields Fields) error {
	records, warnings, err := readJSONL(path)
	if err != nil {
		return err
	}
	ds.Warnings = append(ds.Warnings, warnings...)
	seen := map[string]int{}
	for _, rec := range records {
		id, err := rec.stringField(path, fields.DocID)
		if err != nil {
			return err
		}
		if first, dup := seen[id]; dup {
			return fmt.Errorf("%s line %d: document id %q repeats line %d", path, rec.line, id, first)
		}
		seen[id] = rec.line
		var parts []string
		for _, key := range fields.DocText {
			if _, ok := rec.fields[key]; !ok {
				continue
			}
			s, err := rec.stringField(path, key)
			if err != nil {
				return err
			}
			if s != "" {
				parts = append(parts, s)
			}
		}
		ds.DocIDs = append(ds.DocIDs, id)
		ds.DocTexts = append(ds.DocTexts, strings.Join(parts, " "))
	}
	return nil
}

func (ds *Dataset) readQueries(path string, fields Fields) error {
	records, warnings, err := readJSONL(path)
	if err != nil {
		return err
	}
	ds.Warnings = append(ds.Warnings, warnings...)
	seen := map[string]int{}
	if fields.Relevant != "" {
		ds.Qrels = Qrels{}
	}
	if fields.Slice != "" {
		ds.Slices = map[string]string{}
	}
	for _, rec := range records {
		id, err := rec.stringField(path, fields.QueryID)
		if err != nil {
			return err
		}
		if first, dup := seen[id]; dup {
			return fmt.Errorf("%s line %d: query id %q repeats line %d", path, rec.line, id, first)
		}
		seen[id] = rec.line
		text, err := rec.stringField(path, fields.QueryText)
		if err != nil {
			return err
		}
		ds.QueryIDs = append(ds.QueryIDs, id)
		ds.QueryTexts = append(ds.QueryTexts, text)
		if fields.Slice != "" {
			label, err := rec.stringField(path, fields.Slice)
			if err != nil {
				return err
			}
			ds.Slices[id] = label
		}
		if fields.Relevant != "" {
			if err := ds.addRelevantField(path, rec, id, fields.Relevant); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ds *Dataset) addRelevantField(path string, rec jsonlRecord, qid, key string) error {
	raw, ok := rec.fields[key]
	if !ok {
		return fmt.Errorf("%s line %d: field %q is missing", path, rec.line, key)
	}
	var docIDs []string
	if err := json.Unmarshal(raw, &docIDs); err != nil {
		return fmt.Errorf("%s line %d: field %q is not an array of document ids: %v", path, rec.line, key, err)
	}
	for _, docID := range docIDs {
		if ds.Qrels[qid] == nil {
			ds.Qrels[qid] = map[string]int{}
		}
		ds.Qrels[qid][docID] = 1
	}
	return nil
}

// check applies the data-set policy and records it in Warnings:
//   - judged queries absent from the query file are dropped from the qrels;
//   - judged documents absent from the corpus stay in the qrels, as trec_eval would keep
//     them: they count in recall and MAP denominators but can never be retrieved;
//   - queries without judgments are kept, and evaluation skips them (trec_eval's rule).
func (ds *Dataset) check(paths BEIRPaths) {
	queries := toSet(ds.QueryIDs)
	docs := toSet(ds.DocIDs)
	qrelsName := paths.Qrels
	if qrelsName == "" {
		qrelsName = paths.Queries
	}

	var unknownQueries, unknownDocs []string
	for _, qid := range ds.Qrels.QueryIDs() {
		if !queries[qid] {
			unknownQueries = append(unknownQueries, qid)
			delete(ds.Qrels, qid)
			continue
		}
		for _, docID := range sortedKeys(ds.Qrels[qid]) {
			if !docs[docID] {
				unknownDocs = append(unknownDocs, docID)
			}
		}
	}
	if len(unknownQueries) > 0 {
		ds.Warnings = append(ds.Warnings, fmt.Sprintf("%s: dropped the judgments of %d query ids that are not in %s: %s",
			qrelsName, len(unknownQueries), paths.Queries, quoteList(unknownQueries, 5)))
	}
	if len(unknownDocs) > 0 {
		ds.Warnings = append(ds.Warnings, fmt.Sprintf("%s: %d judged document ids are not in %s: %s; they stay in the qrels "+
			"(as in trec_eval), count in recall and MAP denominators, and can never be retrieved",
			qrelsName, len(unknownDocs), paths.Corpus, quoteList(unknownDocs, 5)))
	}
	var unjudged []string
	for _, qid := range ds.QueryIDs {
		if _, ok := ds.Qrels[qid]; !ok {
			unjudged = append(unjudged, qid)
		}
	}
	if len(unjudged) > 0 {
		ds.Warnings = append(ds.Warnings, fmt.Sprintf("%d queries have no judgment and are not evaluated (trec_eval's rule): %s",
			len(unjudged), quoteList(unjudged, 5)))
	}
}

func toSet(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// ReadSliceLabels reads query slice labels from a file with two fields per line,
// "query-id slice" separated by a tab (or spaces when the label has none). A first line
// "query-id<TAB>slice" is a header and skipped, and so are blank lines and lines starting
// with '#'. A query labelled twice is an error naming both lines.
func ReadSliceLabels(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("retrieval: ReadSliceLabels: %w", err)
	}
	defer f.Close()
	labels := map[string]string{}
	firstLine := map[string]int{}
	lineNum := 0
	err = scanLines(f, func(line string) error {
		lineNum++
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			return nil
		}
		qid, label, ok := strings.Cut(trimmed, "\t")
		if !ok {
			fields := strings.Fields(trimmed)
			if len(fields) != 2 {
				return fmt.Errorf("%s line %d: got %d fields, want 2 (query-id slice)", path, lineNum, len(fields))
			}
			qid, label = fields[0], fields[1]
		}
		qid, label = strings.TrimSpace(qid), strings.TrimSpace(label)
		if lineNum == 1 && qid == "query-id" {
			return nil
		}
		if qid == "" || label == "" {
			return fmt.Errorf("%s line %d: query id or slice is empty", path, lineNum)
		}
		if first, dup := firstLine[qid]; dup {
			return fmt.Errorf("%s line %d: query %q already has slice %q from line %d", path, lineNum, qid, labels[qid], first)
		}
		labels[qid], firstLine[qid] = label, lineNum
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: ReadSliceLabels: %w", err)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("retrieval: ReadSliceLabels: %s contains no labels", path)
	}
	return labels, nil
}
