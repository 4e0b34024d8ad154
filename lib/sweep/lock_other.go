//go:build !unix

package sweep

// lockResults does nothing where flock is not available.
// TODO: lock with LockFileEx on Windows, so two sweeps cannot share a results file there.
func lockResults(path string) (unlock func(), err error) { return func() {}, nil }
