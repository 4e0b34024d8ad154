package sweep

import (
	"bytes"
	"fmt"

	"github.com/gradlab/gradlab/lib/curves"
	"github.com/gradlab/gradlab/lib/train"
)

// ToRun converts a training record into a curves.Run (series train_loss, train_accuracy,
// grad_norm, learning_rate, epoch, and val_loss and val_accuracy in eval set "val"), the
// form lib/diagnose reads. It goes through the record's JSON-lines form, so the
// conversion is the same as reading the record from a file.
func ToRun(rec *train.Record) (*curves.Run, error) {
	var buf bytes.Buffer
	if err := rec.WriteJSONL(&buf); err != nil {
		return nil, fmt.Errorf("sweep: ToRun: %w", err)
	}
	name := rec.Header.Name
	if name == "" {
		name = "run"
	}
	runs, err := curves.ReadGradlabRecords(name, buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("sweep: ToRun: %w", err)
	}
	return runs[0], nil
}
