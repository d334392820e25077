"""Quality rules and decontamination: each rule family computes signals over an Arrow batch, then
thresholds from `config.py` decide; `apply.py` runs them in order and names the first rule that fires.
"""
