"""Where raw inputs come from: GitHub-style repositories and Common Crawl pages."""
