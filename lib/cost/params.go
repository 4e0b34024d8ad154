package cost

// Params counts parameters by component. All counts are exact integers.
//
// With d = HiddenSize, L = NumLayers, H = NumHeads, H_kv = NumKVHeads, h = HeadDim,
// f = IntermediateSize, V = VocabSize, m = 3 for a gated MLP and 2 otherwise:
//
//	Embedding = V·d + LearnedPositions·d + TokenTypes·d
//	Attention = L·(d·H·h + 2·d·H_kv·h + H·h·d + biases)
//	MLP       = L·(m·d·f + biases)                      dense layers
//	          = E·m·d·f_e + d·E + shared expert         each sparse layer (E experts)
//	Norms     = (L·NormsPerLayer + final + embedding norm)·d·(2 if LayerNorm else 1) + q/k norms
//	Head      = V·d (untied LM head) + V (head bias) + encoder pooler and masked-LM transform
//
// Reference: the module layout of each family in Hugging Face transformers (for example
// LlamaDecoderLayer, GPT2Block, BertLayer). For GPT-2 small this gives 124,439,808 and for
// Llama-2-7B 6,738,415,616, the counts transformers' num_parameters() reports.
type Params struct {
	// Embedding is the token table plus learned position and token-type tables.
	Embedding int64
	// Attention is the q, k, v and output projections with their biases, all layers.
	Attention int64
	// MLP is every MLP matrix and bias, all layers; for a mixture of experts it includes
	// every expert, the routers and the shared experts.
	MLP int64
	// Norms is every LayerNorm/RMSNorm weight and bias, including per-head q/k norms.
	Norms int64
	// Head is the untied LM head and its bias, and for encoders the pooler and the
	// masked-LM transform. A tied LM head adds nothing here.
	Head int64
	// Total is the sum of the five components.
	Total int64
	// Active is the parameters one token uses: Total minus the routed experts it is not
	// sent to. It equals Total for dense models.
	Active int64
	// Matmul is the weight count of the matrix products one token goes through (active
	// experts only, biases and norms excluded, the vocabulary projection included even when
	// tied, embedding lookups excluded). The forward pass spends 2·Matmul FLOPs per token
	// on them.
	Matmul int64
	// MatmulPerSequence is the weights applied once per sequence rather than per token:
	// the encoder pooler, which reads the first token only.
	MatmulPerSequence int64
}

// NonEmbedding returns Total minus Embedding, the N of Kaplan et al. (2020).
func (p Params) NonEmbedding() int64 { return p.Total - p.Embedding }

// Params returns the parameter counts of c.
func (c *Config) Params() Params {
	p := c.paramsFloat()
	return Params{
		Embedding:         int64(p.embedding),
		Attention:         int64(p.attention),
		MLP:               int64(p.mlp),
		Norms:             int64(p.norms),
		Head:              int64(p.head),
		Total:             int64(p.total()),
		Active:            int64(p.total() - p.inactive),
		Matmul:            int64(p.matmul),
		MatmulPerSequence: int64(p.matmulPerSequence),
	}
}

// paramCounts holds the counts as float64. ParseConfig rejects configs whose total reaches
// 2^53, and every partial sum and product here is at most the total, so each value is an
// exact integer and the int64 conversion in Params loses nothing.
type paramCounts struct {
	embedding, attention, mlp, norms, head float64
	inactive                               float64 // routed experts a token skips
	matmul, matmulPerSequence              float64
}

func (p paramCounts) total() float64 {
	return p.embedding + p.attention + p.mlp + p.norms + p.head
}

func (c *Config) paramsFloat() paramCounts {
	d := float64(c.HiddenSize)
	L := float64(c.NumLayers)
	V := float64(c.VocabSize)
	var p paramCounts

	p.embedding = V*d + float64(c.LearnedPositions)*d + float64(c.TokenTypes)*d

	attentionWeights, attentionBiases := c.attentionLayer()
	p.attention = L * (attentionWeights + attentionBiases)

	p.norms = c.normCount()

	mlp := c.mlpCounts()
	p.mlp = mlp.total
	p.inactive = mlp.inactive

	// Head: untied vocabulary projection, its bias, the masked-LM transform and the pooler.
	if c.LMHead && !c.TiedEmbeddings {
		p.head += V * d
	}
	if c.HeadBias {
		p.head += V
	}
	if c.MLMTransform {
		p.head += d*d + d
	}
	if c.Pooler {
		p.head += d*d + d
	}

	p.matmul = L*attentionWeights + mlp.activeWeights
	if c.LMHead {
		p.matmul += V * d
	}
	if c.MLMTransform {
		p.matmul += d * d
	}
	if c.Pooler {
		p.matmulPerSequence = d * d
	}
	return p
}

// attentionLayer returns one layer's projection weights and biases.
func (c *Config) attentionLayer() (weights, biases float64) {
	d := float64(c.HiddenSize)
	q := float64(c.NumHeads * c.HeadDim)
	kv := float64(c.NumKVHeads * c.HeadDim)
	weights = d*q + 2*d*kv + q*d
	if c.QKVBias {
		biases += q + 2*kv
	}
	if c.OutputBias {
		biases += d
	}
	return weights, biases
}

// normCount returns all norm parameters: per-layer norms, the final and embedding norms,
// and per-head q/k norms.
func (c *Config) normCount() float64 {
	perNorm := float64(c.HiddenSize)
	if c.NormBias {
		perNorm *= 2
	}
	count := float64(c.NumLayers * c.NormsPerLayer)
	if c.FinalNorm {
		count++
	}
	if c.EmbeddingNorm {
		count++
	}
	if c.MLMTransform {
		count++
	}
	total := count * perNorm
	if c.QKNorm {
		perHead := 2 * float64(c.HeadDim)
		if c.NormBias {
			perHead *= 2
		}
		total += float64(c.NumLayers) * perHead
	}
	return total
}

type mlpCount struct {
	total         float64 // all MLP parameters
	inactive      float64 // routed-expert parameters a token does not use
	activeWeights float64 // matrix weights a token multiplies by (no biases)
}

// mlpBlock returns the weights and biases of one MLP of the given intermediate width.
func (c *Config) mlpBlock(width int64) (weights, biases float64) {
	matrices := 2.0
	if c.GatedMLP {
		matrices = 3
	}
	d, f := float64(c.HiddenSize), float64(width)
	weights = matrices * d * f
	if c.MLPBias {
		biases = (matrices-1)*f + d
	}
	return weights, biases
}

func (c *Config) mlpCounts() mlpCount {
	denseLayers := float64(c.NumLayers)
	var m mlpCount
	if c.MoE != nil {
		denseLayers -= float64(c.MoE.SparseLayers)
		sparse := float64(c.MoE.SparseLayers)
		d := float64(c.HiddenSize)
		experts := float64(c.MoE.NumExperts)
		topK := float64(c.MoE.ExpertsPerToken)

		expertWeights, expertBiases := c.mlpBlock(c.MoE.ExpertWidth)
		router := d * experts
		var sharedWeights, sharedBiases float64
		if c.MoE.SharedWidth > 0 {
			sharedWeights, sharedBiases = c.mlpBlock(c.MoE.SharedWidth)
		}
		if c.MoE.SharedGate {
			sharedWeights += d
		}

		m.total += sparse * (experts*(expertWeights+expertBiases) + router + sharedWeights + sharedBiases)
		m.inactive += sparse * (experts - topK) * (expertWeights + expertBiases)
		m.activeWeights += sparse * (topK*expertWeights + router + sharedWeights)
	}
	weights, biases := c.mlpBlock(c.IntermediateSize)
	m.total += denseLayers * (weights + biases)
	m.activeWeights += denseLayers * weights
	return m
}
