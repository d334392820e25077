"""Language knowledge: specs loaded from `language_specs/*.toml`, and file -> language detection."""
