package main

import (
	"fmt"
	"io"

	"github.com/gradlab/gradlab/lib/backend"
)

func init() {
	register(command{
		name:    "backend",
		summary: "print which GoMLX backend runs: configuration, SIMD, cores, versions",
		run:     runBackend,
	})
}

func runBackend(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backend", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	info, err := backend.Describe()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, info)
	return nil
}
