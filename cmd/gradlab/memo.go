package main

import (
	"fmt"
	"io"

	"github.com/gradlab/gradlab/lib/memo"
)

func init() {
	register(command{
		name:    "memo",
		summary: "write the one-page decision memo (Markdown and HTML) of a sweep's results",
		run:     runMemo,
	})
}

func runMemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("memo", "RESULTS.jsonl --out DIR", stderr)
	outDir := fs.String("out", "", "folder for memo.md, memo.html and figures/ (required)")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 || *outDir == "" {
		fs.Usage()
		return usageErrorf("want one RESULTS.jsonl and --out DIR (got %d arguments, --out %q)", len(positional), *outDir)
	}
	d, err := memo.Load(positional[0])
	if err != nil {
		return err
	}
	mdPath, htmlPath, err := d.Write(*outDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "selected %s: best validation loss %s\n", d.Selected.Key, d.Selected.BestValLoss)
	fmt.Fprintf(stdout, "memo: %s and %s\n", mdPath, htmlPath)
	return nil
}
