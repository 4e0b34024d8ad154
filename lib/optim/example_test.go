package optim_test

import (
	"fmt"

	"github.com/gradlab/gradlab/lib/optim"
)

func ExampleSchedule_LR() {
	s := optim.WarmupCosine(2, 6, 0)
	for t := 0; t < 6; t++ {
		fmt.Printf("%.3f ", s.LR(0.1, t, 6))
	}
	fmt.Println()
	// Output: 0.050 0.100 0.100 0.085 0.050 0.015
}

func ExampleConfig_Decays() {
	opt := optim.AdamW(1e-3)
	fmt.Println(opt.Decays("fc1.weight"), opt.Decays("fc1.bias"), opt.Decays("ln1.norm.scale"))
	// Output: true false false
}
