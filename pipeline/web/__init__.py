"""Common Crawl web pages: WARC listing and fetching (local, s3://, https://), record parsing,
main-text extraction that keeps code and math, URL normalization and natural-language ID.
"""
