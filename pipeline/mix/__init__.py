"""The training mix (`corpus mix`): token budgets per group and language over token folders, Megatron's
blend over views of them, and optionally the mixed, globally shuffled shards. See README.md."""
