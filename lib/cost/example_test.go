package cost_test

import (
	"fmt"

	"github.com/gradlab/gradlab/lib/cost"
)

func ExampleReadConfig() {
	c, err := cost.ReadConfig("testdata/llama-2-7b-chat-hf.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	kv, _ := c.KVCacheBytesPerToken(cost.BF16)
	fmt.Println(cost.FormatCount(c.Params().Total), "parameters")
	fmt.Println(cost.FormatFLOPs(c.ForwardFLOPs(128, cost.Attention{})), "for a 128-token forward pass")
	fmt.Println(cost.FormatBytes(float64(kv)), "of KV cache per token in bf16")
	// Output:
	// 6,738,415,616 parameters
	// 1.70 TFLOPs for a 128-token forward pass
	// 512 KiB of KV cache per token in bf16
}

func ExampleReadConfig_rejected() {
	_, err := cost.ReadConfig("testdata/llama2-meta-params-style-not-hf.json")
	fmt.Println(err != nil)
	// Output: true
}
