package train_test

import (
	"fmt"

	"github.com/gradlab/gradlab/lib/optim"
	"github.com/gradlab/gradlab/lib/train"
)

func ExampleRun() {
	rec, err := train.Run(train.DefaultConfig(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, _ := rec.TrainLoss()
	evals, _ := rec.ValLoss()
	fmt.Println(rec.Summary.Status, len(steps), len(evals), rec.TestAcc() > 0.95)
	// Output: completed 300 16 true
}

func ExampleRun_diverged() {
	cfg := train.DefaultConfig().WithOptimizer(optim.SGD(100))
	rec, err := train.Run(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Summary.Status, rec.Summary.Divergence.LR)
	// Output: diverged 100
}
