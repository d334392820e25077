"""Web (and GitHub) recall of code- and math-related documents: the DeepSeekMath loop of fastText
training, scoring, score-distribution thresholds and a domain rule that grows the seed set."""

TARGETS = ("code", "math")
OTHER = "other"
ANY_TARGET = "target"  # the label of a two-stage gate model: code or math, against `other`
