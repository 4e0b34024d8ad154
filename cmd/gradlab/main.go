// Command gradlab runs gradlab's diagnostics on a user's own files: model configs, training
// logs, embeddings and retrieval runs. Each subcommand lives in its own file and registers
// itself in init.
//
// Exit status: 0 on success, 1 when the work failed, 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one gradlab subcommand.
type command struct {
	name    string
	summary string
	// run executes the subcommand with the arguments after its name. It returns an error
	// wrapping errUsage for bad flags or arguments, and any other error when the work failed.
	run func(args []string, stdout, stderr io.Writer) error
}

// errUsage marks errors caused by the command line itself; they exit with status 2.
var errUsage = errors.New("usage error")

var commands = map[string]command{}

// register adds a subcommand; it is called from init functions.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("gradlab: subcommand registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageErrorf returns an error that exits with status 2 and prints the message.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// newFlagSet returns a flag set for a subcommand that reports errors instead of exiting.
func newFlagSet(name, usageLine string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gradlab "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gradlab %s %s\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs and converts a parse failure into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: gradlab COMMAND [flags] [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'gradlab COMMAND -h' for the flags of one command.")
}

// runMain runs gradlab with the given arguments and returns the exit status.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gradlab: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "gradlab %s: %v\n", c.name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "gradlab %s: %v\n", c.name, err)
		return 1
	}
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}
