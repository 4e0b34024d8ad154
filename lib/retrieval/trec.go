package retrieval

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ReadQrels reads a TREC qrels file: one judgment per line, "qid iter docno rel", fields
// separated by spaces or tabs, iter ignored, rel an integer. Blank lines and lines starting
// with '#' are skipped. Errors name the file and line: wrong field count, a non-integer
// relevance, the same (qid, docno) judged twice (trec_eval rejects that too), or a file
// without judgments.
func ReadQrels(path string) (Qrels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("retrieval: ReadQrels: %w", err)
	}
	defer f.Close()
	return parseQrels(f, path, 4, false)
}

// ReadBEIRQrels reads BEIR's qrels TSV: a header line "query-id corpus-id score" and then
// "qid<TAB>docno<TAB>score" lines. The rules are those of ReadQrels.
func ReadBEIRQrels(path string) (Qrels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("retrieval: ReadBEIRQrels: %w", err)
	}
	defer f.Close()
	return parseQrels(f, path, 3, true)
}

// parseQrels parses qrels with numFields fields per line (4: TREC, 3: BEIR), the docno in
// field numFields−2 and the relevance in the last field.
func parseQrels(r io.Reader, name string, numFields int, header bool) (Qrels, error) {
	qrels := Qrels{}
	lineNum := 0
	err := scanLines(r, func(line string) error {
		lineNum++
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			return nil
		}
		if header && lineNum == 1 && fields[0] == "query-id" {
			return nil
		}
		if len(fields) != numFields {
			return fmt.Errorf("%s line %d: got %d fields, want %d (%s)", name, lineNum, len(fields), numFields, qrelsLayout(numFields))
		}
		qid, docID := fields[0], fields[numFields-2]
		rel, err := strconv.Atoi(fields[numFields-1])
		if err != nil {
			return fmt.Errorf("%s line %d: relevance %q is not an integer", name, lineNum, fields[numFields-1])
		}
		if qrels[qid] == nil {
			qrels[qid] = map[string]int{}
		}
		if _, dup := qrels[qid][docID]; dup {
			return fmt.Errorf("%s line %d: query %q judges document %q a second time", name, lineNum, qid, docID)
		}
		qrels[qid][docID] = rel
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: ReadQrels: %w", err)
	}
	if len(qrels) == 0 {
		return nil, fmt.Errorf("retrieval: ReadQrels: %s contains no judgments", name)
	}
	return qrels, nil
}

func qrelsLayout(numFields int) string {
	if numFields == 3 {
		return "query-id corpus-id score"
	}
	return "qid iter docno rel"
}

// ReadRun reads a TREC run file: "qid Q0 docno rank score tag" per line, fields separated by
// spaces or tabs. The rank field is checked to be an integer but otherwise ignored, as in
// trec_eval. It returns the run and its tag (the last field of the first line). Blank lines
// and lines starting with '#' are skipped. Errors name the file and line: wrong field count,
// a score that is not a number or is NaN, a document retrieved twice for one query, or a
// file without results.
func ReadRun(path string) (Run, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("retrieval: ReadRun: %w", err)
	}
	defer f.Close()
	return parseRun(f, path)
}

func parseRun(r io.Reader, name string) (Run, string, error) {
	run := Run{}
	seen := map[[2]string]int{} // (qid, docno) → line
	tag := ""
	lineNum := 0
	err := scanLines(r, func(line string) error {
		lineNum++
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			return nil
		}
		if len(fields) != 6 {
			return fmt.Errorf("%s line %d: got %d fields, want 6 (qid Q0 docno rank score tag)", name, lineNum, len(fields))
		}
		qid, docID := fields[0], fields[2]
		if _, err := strconv.Atoi(fields[3]); err != nil {
			return fmt.Errorf("%s line %d: rank %q is not an integer", name, lineNum, fields[3])
		}
		score, err := strconv.ParseFloat(fields[4], 64)
		switch {
		case errors.Is(err, strconv.ErrRange) && score != 0:
			return fmt.Errorf("%s line %d: score %q is beyond float64's range", name, lineNum, fields[4])
		case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(score):
			return fmt.Errorf("%s line %d: score %q is not a number", name, lineNum, fields[4])
		}
		key := [2]string{qid, docID}
		if first, dup := seen[key]; dup {
			return fmt.Errorf("%s line %d: query %q retrieves document %q again (first on line %d)", name, lineNum, qid, docID, first)
		}
		seen[key] = lineNum
		if tag == "" {
			tag = fields[5]
		}
		run[qid] = append(run[qid], ScoredDoc{DocID: docID, Score: score})
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("retrieval: ReadRun: %w", err)
	}
	if len(run) == 0 {
		return nil, "", fmt.Errorf("retrieval: ReadRun: %s contains no results", name)
	}
	return run, tag, nil
}

// WriteRun writes run in TREC format with the given tag: queries in sorted order, each
// query's documents in RankOrder with ranks from 1. Scores are written with enough digits
// to read back the same float64.
func WriteRun(w io.Writer, run Run, tag string) error {
	bw := bufio.NewWriter(w)
	ranked := run.Truncate(0)
	for _, qid := range ranked.QueryIDs() {
		for i, d := range ranked[qid] {
			fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", qid, d.DocID, i+1, strconv.FormatFloat(d.Score, 'g', -1, 64), tag)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("retrieval: WriteRun: %w", err)
	}
	return nil
}

// WriteQrels writes qrels in TREC format ("qid 0 docno rel"), sorted by query and document.
func WriteQrels(w io.Writer, qrels Qrels) error {
	bw := bufio.NewWriter(w)
	for _, qid := range qrels.QueryIDs() {
		for _, docID := range sortedKeys(qrels[qid]) {
			fmt.Fprintf(bw, "%s 0 %s %d\n", qid, docID, qrels[qid][docID])
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("retrieval: WriteQrels: %w", err)
	}
	return nil
}

// scanLines calls fn for each line of r, without the line terminator ("\n" or "\r\n").
// Lines may be as long as 64 MiB.
func scanLines(r io.Reader, fn func(line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	for sc.Scan() {
		if err := fn(strings.TrimSuffix(sc.Text(), "\r")); err != nil {
			return err
		}
	}
	return sc.Err()
}
