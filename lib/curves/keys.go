package curves

import "strings"

// Words that start a key and name its split, as the common loggers write them.
var (
	trainPrefixes = map[string]bool{"train": true, "training": true}
	evalPrefixes  = map[string]bool{"eval": true, "evaluation": true, "val": true, "valid": true, "validation": true, "test": true, "dev": true}
)

// bookkeeping reports whether a metric name is bookkeeping or optimizer state rather than
// a measure of the model: epoch, runtime, throughput, token counts, learning rate and
// gradient norm.
func bookkeeping(metric string) bool {
	switch metric {
	case "epoch", "step", "global_step", "_step", "_runtime", "_timestamp", "runtime", "timestamp",
		"total_flos", "num_tokens", "num_input_tokens_seen", "epoch_time", "learning_rate", "lr",
		"grad_norm", "wall_time", "time":
		return true
	}
	return strings.HasSuffix(metric, "_runtime") || strings.HasSuffix(metric, "per_second") ||
		strings.HasSuffix(metric, "_num_tokens") || strings.HasPrefix(metric, "lr-") ||
		strings.HasPrefix(metric, "lr_") || strings.HasPrefix(metric, "_")
}

// canonicalOther maps the names loggers use for optimizer state to one metric name.
func canonicalOther(metric string) string {
	switch {
	case metric == "lr" || strings.HasPrefix(metric, "lr-") || strings.HasPrefix(metric, "lr_"):
		return "learning_rate"
	case metric == "grad_norm" || metric == "gradient_norm":
		return "grad_norm"
	}
	return metric
}

// classifyKey splits a logged key into split, eval set, metric and aggregation suffix.
// Named eval sets (eval_<name>_loss) are resolved later, in assignEvalSets, because
// "eval_mean_token_accuracy" can only be told apart from a set named "mean_token" by
// looking at the other keys of the run.
func classifyKey(key string) (split Split, set, metric, agg string) {
	k := strings.ToLower(strings.TrimSpace(key))
	prefix, rest := k, ""
	if i := strings.IndexAny(k, "/_"); i > 0 && i < len(k)-1 {
		prefix, rest = k[:i], k[i+1:]
	}

	switch {
	case trainPrefixes[prefix] && rest != "":
		split, metric = SplitTrain, rest
	case evalPrefixes[prefix] && rest != "":
		split, set, metric = SplitEval, prefix, rest
	default:
		split, metric = SplitTrain, k
	}
	if bookkeeping(metric) {
		if metric == "grad_norm" || metric == "learning_rate" || metric == "lr" || strings.HasPrefix(metric, "lr") {
			return SplitOther, "", canonicalOther(metric), ""
		}
		return SplitOther, "", k, ""
	}
	if bookkeeping(k) {
		return SplitOther, "", canonicalOther(k), ""
	}

	for _, suffix := range []string{"_step", "_epoch"} {
		if strings.HasSuffix(metric, suffix) && len(metric) > len(suffix) {
			metric, agg = strings.TrimSuffix(metric, suffix), suffix[1:]
			break
		}
	}
	return split, set, metric, agg
}

// assignEvalSets moves eval series with keys such as eval_<name>_loss to the set <name>,
// and then every other eval metric whose name starts with a known set name.
func assignEvalSets(series []*Series) {
	named := map[string]bool{}
	for _, s := range series {
		if s.Split == SplitEval && strings.HasSuffix(s.Metric, "_loss") {
			name := strings.TrimSuffix(s.Metric, "_loss")
			named[name] = true
			s.Set, s.Metric = name, "loss"
		}
	}
	for _, s := range series {
		if s.Split != SplitEval || s.Metric == "loss" {
			continue
		}
		for name := range named {
			if strings.HasPrefix(s.Metric, name+"_") {
				s.Set, s.Metric = name, strings.TrimPrefix(s.Metric, name+"_")
				break
			}
		}
	}
}
