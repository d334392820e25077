"""Seed rules: which sites (web domains or GitHub repositories) and path prefixes hold positives.

A rule is (target, site, path prefix). Pages are located by (site, path): a web page by its domain
and URL path, a GitHub file by its repository and file path. Seeds from SEEDS.toml and prefixes the
domain rule promotes are the same kind of rule.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.config import UsageError
from pipeline.recall import TARGETS


@dataclass(frozen=True, order=True)
class SeedRule:
    target: str
    site: str  # a domain ("stackoverflow.com", matches its subdomains) or a repository ("owner/name")
    prefix: str = "/"  # path prefix, whole segments: "/questions" matches "/questions/1" only
    iteration: int = 0  # 0 for SEEDS.toml, N when the domain rule added it after iteration N

    def as_dict(self) -> dict:
        return {"target": self.target, "site": self.site, "prefix": self.prefix, "iteration": self.iteration}


def load_seeds(path: str) -> list[SeedRule]:
    """Read SEEDS.toml: per target, `domains`, `url_prefixes` (domain/path) and `repos` (owner/name[/dir])."""
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"seeds file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None
    return parse_seeds(table, path)


def parse_seeds(table: dict, where: str = "seeds") -> list[SeedRule]:
    unknown = sorted(set(table) - set(TARGETS) - {"notes"})
    if unknown:
        raise UsageError(f"{where}: unknown target(s) {unknown}; known: {list(TARGETS)}")
    rules = []
    for target in TARGETS:
        entry = table.get(target, {})
        bad = sorted(set(entry) - {"domains", "url_prefixes", "repos", "notes"})
        if bad:
            raise UsageError(f"{where}: [{target}] has unknown key(s) {bad}; known: domains, url_prefixes, repos")
        for domain in entry.get("domains", []):
            rules.append(SeedRule(target, normalize_domain(domain)))
        for url_prefix in entry.get("url_prefixes", []):
            site, _, path = strip_scheme(url_prefix).partition("/")
            rules.append(SeedRule(target, normalize_domain(site), normalize_prefix(path)))
        for repo in entry.get("repos", []):
            owner, _, rest = repo.strip("/").partition("/")
            name, _, directory = rest.partition("/")
            if not owner or not name:
                raise UsageError(f"{where}: [{target}] repos entry '{repo}' is not owner/name[/dir]")
            rules.append(SeedRule(target, f"{owner}/{name}", normalize_prefix(directory)))
    if not rules:
        raise UsageError(f"{where}: no seeds; name domains, url_prefixes or repos under [code] and/or [math]")
    return sorted(set(rules))


def strip_scheme(url: str) -> str:
    return url.split("://", 1)[1] if "://" in url else url


def normalize_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    return domain[4:] if domain.startswith("www.") else domain


def normalize_prefix(path: str) -> str:
    path = "/" + path.strip().strip("/")
    return path


def site_and_path(url: str | None, domain: str | None, repo_name: str | None, path: str | None) -> tuple[str, str]:
    """Where a row lives: (domain, URL path) for a web page, (repository, /file path) for a file."""
    if url:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        site = normalize_domain(domain or parts.hostname or "")
        return site, parts.path or "/"
    if repo_name:
        return repo_name, "/" + (path or "").lstrip("/")
    return normalize_domain(domain or ""), "/"


def first_segment(path: str) -> str:
    """The path prefix the domain rule annotates: the first path segment ("/questions")."""
    segment = path.lstrip("/").split("/", 1)[0]
    return "/" + segment if segment else "/"


class RuleIndex:
    """Matches (site, path) against rules; the most specific (longest) prefix wins."""

    def __init__(self, rules: list[SeedRule]):
        self.by_site: dict[str, list[SeedRule]] = {}
        for rule in rules:
            self.by_site.setdefault(rule.site, []).append(rule)
        for site_rules in self.by_site.values():
            site_rules.sort(key=lambda r: (-len(r.prefix), r.iteration, r.target))

    def covers_site(self, site: str) -> bool:
        """Whether any rule (of any prefix) names this site or a parent domain of it."""
        return any(candidate in self.by_site for candidate in _site_suffixes(site))

    def match(self, site: str, path: str) -> SeedRule | None:
        for candidate in _site_suffixes(site):
            for rule in self.by_site.get(candidate, ()):
                if _under(path, rule.prefix):
                    return rule
        return None


def _site_suffixes(site: str):
    """A domain and its parent domains (docs.x.org -> x.org); a repository matches only itself."""
    yield site
    if "/" in site:
        return
    while "." in site:
        site = site.split(".", 1)[1]
        if "." in site:
            yield site


def _under(path: str, prefix: str) -> bool:
    if prefix == "/":
        return True
    return path == prefix or path.startswith(prefix + "/")
