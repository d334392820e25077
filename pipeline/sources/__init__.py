"""Where the code files come from: GitHub-style repositories (folders, git repositories, archives) and
Software Heritage blobs named by a manifest. Web pages (Common Crawl WARCs) live in `pipeline.web`."""
