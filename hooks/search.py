"""Hook: make Chinese search find pages by the words residents actually type.

Material's search plugin segments Chinese with jieba at build time (our user dictionary,
data/search-dict.txt, keeps terms like 业委会 and 加装电梯 whole). Residents often type other
words than the official ones (维修基金 for 维修资金, 渗水 for 漏水): data/search-synonyms.yaml lists
them per page. After the search plugin writes the index, this hook gives that page's entry a
`keywords` field (declared under the plugin's `fields` with a high boost; Material indexes every
declared field but shows only title, text and tags).

Each word also goes in with its prefixes (维修基, 楼上漏 …): Material cuts a Chinese query into
words it finds in the index but never tries the whole query, so 「维修基金」 is looked up as the
longest known prefix 「维修基」*, which must exist and must lead to the right page.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import yaml  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

from hooks.build import ROOT, current_directory  # noqa: E402

SYNONYMS_PATH = ROOT / "data" / "search-synonyms.yaml"

FIELD = "keywords"
HAN = re.compile(r"^[\u3400-\u9fff]+$")

_page_words: dict[str, list[str]] = {}   # docs path (without .md) → official and resident words
_locations: dict[str, str] = {}          # page URL in the index → its keywords field


def load_synonyms(path: Path = SYNONYMS_PATH) -> dict[str, list[str]]:
    """Read page → {official term: [resident words]} and flatten to page → all those words."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pages: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for page, terms in data.items():
        if not isinstance(terms, dict) or not all(isinstance(w, list) and w for w in terms.values()):
            raise PluginError(f"{path.name}：「{page}」下面要写「正式说法: [居民说法, ...]」。")
        for word in (str(w).strip() for term, words in terms.items() for w in [term, *words]):
            if word in owner and owner[word] != page:
                raise PluginError(f"{path.name}：「{word}」同时写在 {owner[word]} 和 {page} 下面，只能指向一个页面。")
            owner[word] = page
            pages.setdefault(page, []).append(word)
    return pages


def keywords(words: list[str], shared: frozenset[str] = frozenset()) -> str:
    """The words and their prefixes of two or more Han characters, space-separated; a prefix in `shared`
    (another page's already) is left out."""
    out: dict[str, None] = {}
    for word in words:
        if HAN.match(word):
            out.update((word[:k], None) for k in range(2, len(word)) if word[:k] not in shared or word[:k] in words)
        out[word] = None
    return " ".join(out)


def page_keywords(pages: dict[str, list[str]]) -> dict[str, str]:
    """Each page's keywords; a prefix two pages' words share (楼上 of 楼上漏水 and 楼上太吵) stays with the
    page listed first in the file. A query is looked up by its longest known prefix, so the longer ones
    (楼上漏, 楼上太) still lead to one page each."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for page, words in pages.items():
        out[page] = keywords(words, frozenset(taken))
        taken.update(out[page].split())
    return out


@event_priority(50)  # before the search plugin reads its options
def on_config(config):
    """Resolve the jieba user dictionary against mkdocs.yml's folder, and load the synonyms."""
    global _page_words
    search = next((p.config for p in config.plugins.values() if "jieba_dict_user" in getattr(p, "config", {})), None)
    if search is None or FIELD not in (search.get("fields") or {}):
        raise PluginError(f"mkdocs.yml 的 search 插件要在 fields 里声明 {FIELD}（居民说法的检索字段）。")
    if search.get("jieba_dict_user") and not Path(search["jieba_dict_user"]).is_absolute():
        search["jieba_dict_user"] = str(Path(config.config_file_path).parent / search["jieba_dict_user"])
    _page_words = load_synonyms()
    for guide in current_directory().guides():  # a guide is found by its own title with no synonyms entry
        words = _page_words.setdefault(guide.page, [])
        if guide.title not in words:
            words.append(guide.title)
    return config


def on_files(files, config):
    """Every page named in the synonyms file must exist; remember its URL."""
    _locations.clear()
    for page, words in page_keywords(_page_words).items():
        file = files.get_file_from_path(f"{page}.md")
        if file is None or not file.is_documentation_page():
            raise PluginError(f"{SYNONYMS_PATH.name}：页面 docs/{page}.md 不存在。")
        _locations[file.url] = words
    return files


@event_priority(-50)  # after the search plugin has written the index
def on_post_build(config):
    """Add each page's keywords to its article entry (the one without an anchor)."""
    path = Path(config.site_dir) / "search" / "search_index.json"
    if not path.exists():
        raise PluginError("搜索索引没有生成：mkdocs.yml 的 plugins 里要有 search。")
    index = json.loads(path.read_text(encoding="utf-8"))
    found = set()
    for doc in index["docs"]:
        if doc["location"] in _locations:
            doc[FIELD] = _locations[doc["location"]]
            found.add(doc["location"])
    missing = set(_locations) - found
    if missing:
        raise PluginError(f"搜索索引里找不到这些页面：{'、'.join(sorted(missing))}。")
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
