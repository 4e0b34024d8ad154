//go:build unix

package sweep

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockResults takes an exclusive lock on path + ".lock", so that two sweep processes
// never write one results file at the same time. The operating system releases the lock
// when the process ends, so a killed sweep leaves no stale lock behind. The lock file
// itself stays: removing it would let a third process lock a new file while a second
// still holds the old one.
func lockResults(path string) (unlock func(), err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sweep: Run: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sweep: Run: another process is running a sweep into %s (it holds %s); wait for it or use another results file", path, name)
		}
		return nil, fmt.Errorf("sweep: Run: locking %s: %w", name, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}
