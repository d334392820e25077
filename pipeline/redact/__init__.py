"""PII and secret redaction (issue 23): pure Python over Arrow batches; `jobs/redact.py` wires it to Spark.

Kinds (`--kinds`, default all four):
- `email`: e-mail addresses (email.py);
- `ip`: global IPv4/IPv6 addresses, not private/loopback/link-local/documentation/reserved ranges, public
  resolvers or version numbers (ip.py);
- `key`: service tokens by prefix, JWTs, private-key blocks, Slack webhooks (tokens.py) and high-entropy
  values assigned to secret/token/api-key names (assign.py);
- `password`: passwords assigned to password names (assign.py) and in URLs `scheme://user:pw@host`
  (tokens.py).
Not redacted: person names, phone numbers, postal addresses; hashes (git SHAs, lockfile checksums), UUIDs,
base64 data and identifiers unless assigned to a secret name; anything non-ASCII.

Placeholders (replace.py): `<EMAIL>`, `<IP_ADDRESS>`, `<KEY>`, `<PASSWORD>`, or same-shape fakes. A rerun
over redacted output finds nothing. The audit entries (`redactions` column) carry byte offsets in the
original content and a keyed blake2b hash, never the original text.

    from pipeline.redact import RedactSettings, redact_batches, output_schema
"""

from pipeline.redact.batches import output_schema, redact_batch, redact_batches
from pipeline.redact.scan import scan
from pipeline.redact.settings import DEFAULT_KINDS, KINDS, RedactSettings

__all__ = ["DEFAULT_KINDS", "KINDS", "RedactSettings", "output_schema", "redact_batch", "redact_batches", "scan"]
