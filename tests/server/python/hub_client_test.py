"""The official Python client, huggingface_hub, against a running `cardex serve`.

Every listing and repository call the README claims is made through the client as a user
would make it (HF_ENDPOINT pointed at cardex), and every answer is checked against the
records the index was built from: ids, filters, sort orders, fields, README bytes, errors.
Runs under huggingface_hub 1.28 and 0.23.5 (the last with ModelFilter/DatasetFilter).

Usage: python hub_client_test.py HUB_URL CACHE_DIR RECORD_FILE...
  RECORD_FILE: JSON Lines of cards (with a readme) or of the Hub's listing records.
Prints one line per failed check and a summary; exits 1 if any check failed.
"""

import collections
import hashlib
import inspect
import json
import os
import re
import sys
import traceback

HUB, CACHE, FILES = sys.argv[1], sys.argv[2], sys.argv[3:]
# Set before the client is imported: it reads them once.
os.environ["HF_ENDPOINT"] = HUB
os.environ["HF_HOME"] = os.path.join(CACHE, "hf-home")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
os.environ.pop("HF_TOKEN", None)

import filelock  # noqa: E402
import yaml  # noqa: E402

import huggingface_hub as hf  # noqa: E402
from huggingface_hub import HfApi, ModelCard, DatasetCard, hf_hub_download  # noqa: E402

VERSION = tuple(int(x) for x in hf.__version__.split(".")[:2])
LEGACY = VERSION < (1, 0)
try:
    from huggingface_hub.errors import (  # noqa: E402
        BadRequestError,
        EntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
except ImportError:  # 0.23.5
    from huggingface_hub.utils import (  # noqa: E402
        BadRequestError,
        EntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

# Debian 12's filelock is 3.9, which has no `mode=`; huggingface_hub 1.x passes one when it
# locks its cache (it asks for filelock>=3.10). The offline environment cannot have a newer
# one, so the argument is dropped here; nothing else of the client is touched.
if not LEGACY and "mode" not in inspect.signature(filelock.BaseFileLock.__init__).parameters:
    import huggingface_hub.utils._fixes as _fixes

    class _FileLock(filelock.FileLock):
        def __init__(self, lock_file, timeout=-1, mode=None, **kwargs):
            super().__init__(lock_file, timeout=timeout)

    _fixes.FileLock = _FileLock
    print(f"note: filelock {filelock.__version__} has no mode=; the client's mode=0o664 is dropped")

api = HfApi(endpoint=HUB)

# --- the data -------------------------------------------------------------------------------


def repo_id(raw):
    return re.sub(r"^https?://(www\.)?huggingface\.co/(datasets/|spaces/)?", "", raw).rstrip("/")


FRONT = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")


def front_matter(readme):
    m = FRONT.match(readme)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group(2))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


cards = {"model": {}, "dataset": {}, "space": {}}  # id -> card record
hub = {"model": {}, "dataset": {}, "space": {}}  # id -> the Hub's listing record
for path in FILES:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            kind = r.get("type", "model")
            rid = repo_id(r.get("id") or r.get("model_id"))
            if "readme" in r:
                cards[kind][rid] = r
            else:
                hub[kind].setdefault(rid, r)


def every(kind):
    return set(cards[kind]) | set(hub[kind])


def hub_tags(rid):
    """The Hub's own tags of a model, if the data has them."""
    if "api_tags" in cards["model"].get(rid, {}):
        return cards["model"][rid]["api_tags"]
    return hub["model"].get(rid, {}).get("tags")


def hub_value(rid, card_key, hub_key):
    c = cards["model"].get(rid, {})
    if card_key in c:
        return c[card_key]
    return hub["model"].get(rid, {}).get(hub_key)


def downloads(rid):
    v = hub_value(rid, "downloads", "downloads")
    return v or 0


def owner(rid):
    return rid.split("/")[0] if "/" in rid else ""


def id_words(s):
    return [w for w in re.split(r"[^a-z0-9]+", s.lower()) if w]


def matches_search(rid, query):
    words = id_words(rid)
    return all(any(w.startswith(q) for w in words) for q in id_words(query))


def git_blob(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# --- checks ---------------------------------------------------------------------------------

passed, failed = 0, []


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failed.append(f"{name}: {detail}" if detail else name)
        print(f"FAIL {name} {detail}", flush=True)


def group(fn):
    """Runs one group of checks; an exception fails the group, the others still run."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any error of the client is a failed check
        failed.append(f"{fn.__name__}: {type(e).__name__}: {e}")
        print(f"FAIL {fn.__name__} raised:", flush=True)
        traceback.print_exc()
    return fn


def raises(name, exc, fn):
    try:
        fn()
    except exc:
        check(name, True)
        return
    except Exception as e:  # noqa: BLE001
        check(name, False, f"raised {type(e).__name__}, wanted {exc.__name__}: {e}")
        return
    check(name, False, f"no {exc.__name__}")


def ids(items):
    return [x.id for x in items]


def fields(*names):
    """Listing arguments that bring these properties: `expand` (1.x), `full` (0.23.5 has no
    expand; cardex's full items carry tags, pipeline_tag, gated, library_name)."""
    return {"full": True} if LEGACY else {"expand": list(names)}


def busiest_owner(kind):
    counts = collections.Counter(owner(r) for r in every(kind) if owner(r))
    return counts.most_common(1)[0][0]


# --- models ---------------------------------------------------------------------------------


@group
def model_listing():
    everything = list(api.list_models())
    check("list_models: every model once", sorted(ids(everything)) == sorted(every("model")),
          f"{len(everything)} listed, {len(every('model'))} in the data")
    # The server pages at most 1000 items: more than that came through Link headers.
    check("list_models: followed Link pages", len(everything) > 1000, str(len(everything)))
    check("list_models: private is false", all(m.private is False for m in everything))
    wrong = [m.id for m in everything if m.downloads != downloads(m.id)]
    check("list_models: downloads as recorded", not wrong, str(wrong[:5]))

    for query in ["llama", "bert", "qwen2 instruct"]:
        got = ids(api.list_models(search=query))
        want = {r for r in every("model") if matches_search(r, query)}
        check(f"list_models(search={query!r})", sorted(got) == sorted(want),
              f"{len(got)} vs {len(want)}")

    author = busiest_owner("model")
    got = ids(api.list_models(author=author))
    check(f"list_models(author={author!r})",
          sorted(got) == sorted(r for r in every("model") if owner(r) == author))
    # The Hub's author is exact: another case is another author.
    cased = collections.Counter(owner(r) for r in every("model") if owner(r) != owner(r).lower())
    upper = cased.most_common(1)[0][0]
    check(f"list_models(author={upper!r})",
          sorted(ids(api.list_models(author=upper))) == sorted(r for r in every("model") if owner(r) == upper))
    got = ids(api.list_models(author=upper.lower()))
    want = [r for r in every("model") if owner(r) == upper.lower()]
    check(f"list_models(author={upper.lower()!r}) is case-sensitive", sorted(got) == sorted(want),
          f"{len(got)} vs {len(want)}")

    limited = list(api.list_models(sort="downloads", limit=7))
    check("list_models(sort=downloads, limit=7)", len(limited) == 7)
    check("list_models(sort=downloads) descending",
          all(a.downloads >= b.downloads for a, b in zip(limited, limited[1:])))
    check("list_models(sort=downloads) most downloaded first",
          limited[0].downloads == max(downloads(r) for r in every("model")))
    for key, field in [("likes", "likes"), ("created_at", "created_at"),
                       ("last_modified", "last_modified")]:
        page = list(api.list_models(sort=key, limit=50, full=True))
        values = [getattr(m, field) for m in page]
        check(f"list_models(sort={key}) descending",
              all(a is not None and (b is None or a >= b) for a, b in zip(values, values[1:])))


@group
def model_filters():
    def tagged(tag):
        return {r for r in every("model") if tag in (hub_tags(r) or [])}

    for tag in ["gguf", "conversational", "region:us", "base_model:finetune:deepseek-ai/DeepSeek-R1"]:
        got = list(api.list_models(filter=tag, **fields("tags")))
        check(f"list_models(filter={tag!r}): every result has it",
              all(tag in m.tags for m in got), str([m.id for m in got if tag not in m.tags][:3]))
        missing = tagged(tag) - set(ids(got))
        check(f"list_models(filter={tag!r}): every model the Hub tagged", not missing,
              str(sorted(missing)[:3]))
    # AND over tags; exact case.
    got = list(api.list_models(filter=["transformers", "conversational"], **fields("tags")))
    check("list_models(filter=[a, b]) is AND",
          got and all({"transformers", "conversational"} <= set(m.tags) for m in got))
    upper = list(api.list_models(filter="GGUF", **fields("tags")))
    lower = list(api.list_models(filter="gguf", **fields("tags")))
    check("list_models(filter='GGUF') is case-sensitive",
          upper and lower and set(ids(upper)) != set(ids(lower))
          and all("GGUF" in m.tags for m in upper) and all("gguf" in m.tags for m in lower))

    for task in ["text2text-generation", "text-generation", "image-to-image"]:
        got = list(api.list_models(pipeline_tag=task, **fields("pipeline_tag")))
        check(f"list_models(pipeline_tag={task!r}): the card's own pipeline tag",
              got and all(m.pipeline_tag == task for m in got),
              str([(m.id, m.pipeline_tag) for m in got if m.pipeline_tag != task][:3]))
        want = {r for r in every("model") if hub_value(r, "api_pipeline_tag", "pipeline_tag") == task}
        check(f"list_models(pipeline_tag={task!r}): every model the Hub gave it",
              want <= set(ids(got)), str(sorted(want - set(ids(got)))[:3]))

    if not LEGACY:  # 0.23.5 has no gated argument
        got = list(api.list_models(gated=True, expand=["gated"]))
        check("list_models(gated=True): gated only", got and all(m.gated in ("auto", "manual") for m in got))
        want = {r for r, h in hub["model"].items() if h.get("gated") in ("auto", "manual")}
        check("list_models(gated=True): every model the Hub records as gated", want <= set(ids(got)),
              str(sorted(want - set(ids(got)))[:3]))

    dataset = "fka/awesome-chatgpt-prompts"
    got = list(api.list_models(trained_dataset=dataset, **fields("tags")))
    check(f"list_models(trained_dataset={dataset!r})",
          got and all(f"dataset:{dataset}" in m.tags for m in got))

    if not LEGACY:
        for spec, lo, hi in [("min:6B", 6e9, None), ("max:1B", 0, 1e9), ("min:1B,max:10B", 1e9, 1e10)]:
            got = list(api.list_models(num_parameters=spec, expand=["safetensors", "gguf"]))
            counts = {m.id: (m.safetensors.total if m.safetensors else (m.gguf or {}).get("total"))
                      for m in got}
            check(f"list_models(num_parameters={spec!r}) in range",
                  got and all(c is not None and c >= lo and (hi is None or c <= hi)
                              for c in counts.values()))
            want = set()
            for r, h in hub["model"].items():
                total = (h.get("safetensors") or {}).get("total") or (h.get("gguf") or {}).get("total")
                if total is not None and total >= lo and (hi is None or total <= hi):
                    want.add(r)
            check(f"list_models(num_parameters={spec!r}): every model counted so",
                  set(counts) == want, f"{len(counts)} vs {len(want)}")
        for kwargs in [{"apps": "ollama"}, {"inference": "warm"}, {"inference_provider": "all"}]:
            name = next(iter(kwargs))

            def call(kwargs=kwargs):
                list(api.list_models(**kwargs))

            raises(f"list_models({name}=...) is refused", BadRequestError, call)
            try:
                call()
            except BadRequestError as e:
                check(f"list_models({name}=...) says why",
                      f"parameter '{name}' is not supported by cardex" in str(e), str(e)[:200])

    if LEGACY:
        from huggingface_hub import ModelFilter

        got = list(api.list_models(filter=ModelFilter(task="text-classification",
                                                      library="transformers", language="en"),
                                   full=True))
        check("ModelFilter(task, library, language)",
              got and all({"text-classification", "transformers", "en"} <= set(m.tags) for m in got))
        author = busiest_owner("model")
        got = ids(api.list_models(filter=ModelFilter(author=author)))
        check("ModelFilter(author)",
              sorted(got) == sorted(r for r in every("model") if owner(r) == author))
        got = list(api.list_models(library="diffusers", language="en", full=True))
        check("list_models(library=, language=)",
              got and all({"diffusers", "en"} <= set(m.tags) for m in got))
        got = list(api.list_models(search="llama", sort="downloads", direction=-1, limit=5))
        check("list_models(direction=-1) sorts descending",
              len(got) == 5 and all(a.downloads >= b.downloads for a, b in zip(got, got[1:])))
    else:
        got = list(api.list_models(filter=["text-classification", "transformers", "en"],
                                   expand=["tags", "library_name"]))
        check("list_models(filter=[task, library, language])",
              got and all({"text-classification", "transformers", "en"} <= set(m.tags) for m in got))


@group
def model_fields():
    # full and cardData: the card's front matter comes back as card data.
    full = list(api.list_models(search="llama", full=True, cardData=True, limit=100))
    check("list_models(full=True) has author and sha",
          full and all(m.author == owner(m.id) and re.fullmatch(r"[0-9a-f]{40}", m.sha or "")
                       for m in full if owner(m.id)))
    check("list_models(full=True) has last_modified where the data has it",
          all(m.last_modified is not None for m in full
              if hub_value(m.id, "lastModified", "lastModified")))
    wrong = []
    for m in full:
        card = cards["model"].get(m.id)
        if not card:
            continue
        want = front_matter(card["readme"]).get("license")
        if isinstance(want, str) and (m.card_data is None or m.card_data.license != want):
            wrong.append(m.id)
    check("list_models(cardData=True): license as the card says", not wrong, str(wrong[:3]))

    if not LEGACY:  # expand: only _id, id and what was asked for
        got = list(api.list_models(search="bert", expand=["downloads", "pipeline_tag"], limit=5))
        check("list_models(expand=...) leaves the rest out",
              got and all(m.likes is None and m.tags is None and m.downloads is not None for m in got))

    for rid in sorted(r for r in cards["model"] if "api_tags" in cards["model"][r])[:40]:
        info = api.model_info(rid)
        rec = cards["model"][rid]
        check(f"model_info({rid}).tags are the Hub's", info.tags == rec["api_tags"])
        check(f"model_info({rid}).pipeline_tag", info.pipeline_tag == rec.get("api_pipeline_tag"))
        check(f"model_info({rid}).library_name", info.library_name == rec.get("api_library_name"))
        gated = hub["model"].get(rid, {}).get("gated")
        if gated is not None:
            check(f"model_info({rid}).gated is the Hub's", info.gated == gated, f"{info.gated} vs {gated}")

    info = api.model_info("ComputerAi/Bob")
    check("model_info: text2text-generation stays itself", info.pipeline_tag == "text2text-generation")
    check("model_info: card data", info.card_data is not None and info.card_data.license == "mit")
    check("model_info: sha", info.sha is not None and re.fullmatch(r"[0-9a-f]{40}", info.sha))

    counted = [r for r, h in hub["model"].items() if h.get("safetensors")][:10]
    for rid in counted:
        info = api.model_info(rid, expand=["safetensors", "usedStorage"]) if not LEGACY else api.model_info(rid)
        want = hub["model"][rid]["safetensors"]
        check(f"model_info({rid}).safetensors",
              info.safetensors is not None and info.safetensors.total == want["total"]
              and dict(info.safetensors.parameters) == want["parameters"])
    manual = sorted(r for r, h in hub["model"].items() if h.get("gated") == "manual")[:3]
    for rid in manual:
        check(f"model_info({rid}).gated == manual", api.model_info(rid).gated == "manual")


@group
def repositories_and_files():
    sample = sorted(cards["model"])[::97][:25] + ["ComputerAi/Bob"]
    for rid in sample:
        readme = cards["model"][rid]["readme"].encode("utf-8")
        info = api.model_info(rid)
        refs = api.list_repo_refs(rid)
        check(f"list_repo_refs({rid})",
              [b.name for b in refs.branches] == ["main"] and refs.branches[0].target_commit == info.sha
              and refs.tags == [])
        check(f"model_info({rid}, revision=main)", api.model_info(rid, revision="main").sha == info.sha)
        check(f"model_info({rid}, revision=sha)", api.model_info(rid, revision=info.sha).id == rid)
        raises(f"model_info({rid}, revision=no-such-branch)", RevisionNotFoundError,
               lambda rid=rid: api.model_info(rid, revision="no-such-branch"))
        check(f"list_repo_files({rid})", api.list_repo_files(rid) == ["README.md"])
        tree = list(api.list_repo_tree(rid))
        check(f"list_repo_tree({rid})",
              len(tree) == 1 and tree[0].path == "README.md" and tree[0].size == len(readme)
              and tree[0].blob_id == git_blob(readme))
        path = hf_hub_download(rid, "README.md", cache_dir=os.path.join(CACHE, "downloads"))
        with open(path, "rb") as f:
            check(f"hf_hub_download({rid}, README.md) is the card", f.read() == readme)
        card = ModelCard.load(rid)
        text = cards["model"][rid]["readme"]
        m = FRONT.match(text)
        check(f"ModelCard.load({rid}).text is the card's body", card.text == (text[m.end():] if m else text))
        want = front_matter(text)
        if isinstance(want.get("license"), str):
            check(f"ModelCard.load({rid}).data.license", card.data.license == want["license"])

    rid = sample[0]
    raises("hf_hub_download(other file) -> EntryNotFoundError", EntryNotFoundError,
           lambda: hf_hub_download(rid, "config.json", cache_dir=os.path.join(CACHE, "downloads")))
    raises("hf_hub_download(revision=v9) -> RevisionNotFoundError", RevisionNotFoundError,
           lambda: hf_hub_download(rid, "README.md", revision="v9",
                                   cache_dir=os.path.join(CACHE, "downloads")))
    raises("model_info(missing) -> RepositoryNotFoundError", RepositoryNotFoundError,
           lambda: api.model_info("cardex-test/no-such-model"))
    raises("hf_hub_download(missing repo) -> RepositoryNotFoundError", RepositoryNotFoundError,
           lambda: hf_hub_download("cardex-test/no-such-model", "README.md",
                                   cache_dir=os.path.join(CACHE, "downloads")))
    raises("list_repo_refs(missing) -> RepositoryNotFoundError", RepositoryNotFoundError,
           lambda: api.list_repo_refs("cardex-test/no-such-model"))
    listed_only = sorted(set(hub["model"]) - set(cards["model"]))
    if listed_only:
        rid = listed_only[0]
        check(f"model_info({rid}) of a model known from its Hub record only",
              api.model_info(rid).id == rid)
        check(f"list_repo_files({rid}) is empty: no README held", api.list_repo_files(rid) == [])
        raises(f"hf_hub_download({rid}, README.md) -> EntryNotFoundError", EntryNotFoundError,
               lambda: hf_hub_download(rid, "README.md", cache_dir=os.path.join(CACHE, "downloads")))


# --- datasets and Spaces --------------------------------------------------------------------


@group
def datasets():
    everything = list(api.list_datasets())
    check("list_datasets: every dataset once", sorted(ids(everything)) == sorted(every("dataset")))
    author = busiest_owner("dataset")
    check(f"list_datasets(author={author!r})",
          sorted(ids(api.list_datasets(author=author)))
          == sorted(r for r in every("dataset") if owner(r) == author))
    got = ids(api.list_datasets(search="instruct"))
    check("list_datasets(search='instruct')",
          sorted(got) == sorted(r for r in every("dataset") if matches_search(r, "instruct")))

    if LEGACY:
        from huggingface_hub import DatasetFilter

        got = list(api.list_datasets(filter=DatasetFilter(language="en", task_categories="text-classification"),
                                     full=True))
    else:
        got = list(api.list_datasets(language="en", task_categories="text-classification", full=True))
    check("list_datasets(language=en, task_categories=text-classification)",
          got and all({"language:en", "task_categories:text-classification"} <= set(d.tags) for d in got))
    got = list(api.list_datasets(filter="license:mit", full=True))
    check("list_datasets(filter=license:mit)", got and all("license:mit" in d.tags for d in got))
    top = list(api.list_datasets(sort="downloads", limit=5))
    check("list_datasets(sort=downloads) descending",
          len(top) == 5 and all(a.downloads >= b.downloads for a, b in zip(top, top[1:])))

    sample = ["squad", "glue"] + sorted(cards["dataset"])[::211][:8]
    for rid in sample:
        if rid not in cards["dataset"]:
            continue
        readme = cards["dataset"][rid]["readme"].encode("utf-8")
        info = api.dataset_info(rid)
        check(f"dataset_info({rid})", info.id == rid and info.sha and len(info.sha) == 40)
        check(f"dataset_info({rid}, revision=main)", api.dataset_info(rid, revision="main").sha == info.sha)
        raises(f"dataset_info({rid}, revision=dev)", RevisionNotFoundError,
               lambda rid=rid: api.dataset_info(rid, revision="dev"))
        refs = api.list_repo_refs(rid, repo_type="dataset")
        check(f"list_repo_refs({rid}, dataset)", refs.branches[0].target_commit == info.sha)
        check(f"list_repo_files({rid}, dataset)", api.list_repo_files(rid, repo_type="dataset") == ["README.md"])
        path = hf_hub_download(rid, "README.md", repo_type="dataset",
                               cache_dir=os.path.join(CACHE, "downloads"))
        with open(path, "rb") as f:
            check(f"hf_hub_download({rid}, dataset) is the card", f.read() == readme)
        card = DatasetCard.load(rid)
        want = front_matter(cards["dataset"][rid]["readme"]).get("pretty_name")
        if isinstance(want, str):
            check(f"DatasetCard.load({rid}).data.pretty_name", card.data.pretty_name == want)
    raises("dataset_info(missing) -> RepositoryNotFoundError", RepositoryNotFoundError,
           lambda: api.dataset_info("cardex-test/no-such-dataset"))


@group
def spaces():
    everything = list(api.list_spaces(full=True))
    check("list_spaces: every Space", sorted(ids(everything)) == sorted(every("space")))
    for s in everything:
        sdk = re.search(r"\nsdk: (\S+)", cards["space"][s.id]["readme"]).group(1)
        check(f"list_spaces: {s.id} sdk", s.sdk == sdk)
    check("list_spaces(search='llama')", ids(api.list_spaces(search="llama")) == ["solo-dev/llama-playground"])
    check("list_spaces(author='acme-labs')",
          sorted(ids(api.list_spaces(author="acme-labs")))
          == sorted(r for r in every("space") if owner(r) == "acme-labs"))
    gradio = [r for r, c in cards["space"].items() if re.search(r"\nsdk: gradio", c["readme"])]
    check("list_spaces(filter='gradio')", sorted(ids(api.list_spaces(filter="gradio"))) == sorted(gradio))
    liked = [s.likes for s in api.list_spaces(sort="likes")]
    check("list_spaces(sort='likes') descending", liked == sorted(liked, reverse=True))
    rid = "acme-labs/chat-arena"
    info = api.space_info(rid)
    check("space_info", info.sdk == "gradio" and info.likes == cards["space"][rid]["likes"])
    check("space_info(revision=main)", api.space_info(rid, revision="main").sha == info.sha)
    path = hf_hub_download(rid, "README.md", repo_type="space", cache_dir=os.path.join(CACHE, "downloads"))
    with open(path, "rb") as f:
        check("hf_hub_download(space README.md)", f.read() == cards["space"][rid]["readme"].encode("utf-8"))


# --- lineage and links -----------------------------------------------------------------


@group
def lineage_and_links():
    # base_model:<id> and base_model:<relation>:<id> are exact tags, as on the Hub: the
    # commonest base models of the data's Hub records, both forms.
    counted = collections.Counter(t for r in every("model") for t in (hub_tags(r) or [])
                                  if t.startswith("base_model:") and t.count(":") == 1)
    for tag, _ in counted.most_common(3):
        base = tag[len("base_model:"):]
        for t in (tag, f"base_model:finetune:{base}"):
            got = list(api.list_models(filter=t, **fields("tags")))
            want = {r for r in every("model") if t in (hub_tags(r) or [])}
            check(f"list_models(filter={t!r}): every result has it",
                  got and all(t in m.tags for m in got))
            check(f"list_models(filter={t!r}): every model the Hub tagged",
                  want <= set(ids(got)), str(sorted(want - set(ids(got)))[:3]))

    # The Spaces of the data and what each declares (front matter `models:`, `datasets:`).
    declared = {rid: front_matter(rec["readme"]) for rid, rec in cards["space"].items()}
    users = {"models": collections.defaultdict(set), "datasets": collections.defaultdict(set)}
    for rid, fm in declared.items():
        for key in users:
            for repo in fm.get(key) or []:
                users[key][repo].add(rid)
    check("the data's Spaces declare models and datasets", users["models"] and users["datasets"])
    for key, by_repo in users.items():
        for repo, want in by_repo.items():
            got = list(api.list_spaces(**{key: repo}))
            check(f"list_spaces({key}={repo!r})", sorted(ids(got)) == sorted(want),
                  f"{sorted(ids(got))} vs {sorted(want)}")
            check(f"list_spaces({key}={repo!r}): each declares it",
                  all(repo in (getattr(s, key) or []) for s in got))
    linked = list(api.list_spaces(linked=True))
    check("list_spaces(linked=True): every Space", sorted(ids(linked)) == sorted(every("space")))
    for s in linked:
        fm = declared[s.id]
        check(f"list_spaces(linked=True): {s.id} models and datasets",
              s.models == (fm.get("models") or []) and s.datasets == (fm.get("datasets") or []),
              f"{s.models} {s.datasets}")
    check("list_spaces() without linked has no links",
          all(s.models is None for s in api.list_spaces()))
    for rid, fm in declared.items():
        info = api.space_info(rid)
        check(f"space_info({rid}).models", info.models == (fm.get("models") or []))

    # And back: the Spaces using a model or dataset.
    for model, want in users["models"].items():
        info = api.model_info(model)  # the full answer has them (0.23.5 has no expand)
        check(f"model_info({model}).spaces", sorted(info.spaces or []) == sorted(want),
              f"{info.spaces} vs {sorted(want)}")
        if not LEGACY:
            info = api.model_info(model, expand=["spaces"])
            check(f"model_info({model}, expand=['spaces'])",
                  sorted(info.spaces or []) == sorted(want) and info.downloads is None)
    unused = sorted(every("model") - set(users["models"]))[0]
    check(f"model_info({unused}).spaces is empty", api.model_info(unused).spaces == [])
    if not LEGACY:
        for dataset, want in users["datasets"].items():
            info = api.dataset_info(dataset, expand=["spaces"])
            check(f"dataset_info({dataset}, expand=['spaces'])",
                  sorted(getattr(info, "spaces", None) or []) == sorted(want))

    # baseModels and childrenModelCount (1.x expands them; ModelInfo.base_models and
    # .children_model_count): the base model the Hub's tags give with its relation, and at
    # least the models whose Hub tags name it as a direct child.
    if not LEGACY:
        for tag, _ in counted.most_common(2):
            base = tag[len("base_model:"):]
            child = sorted(r for r in cards["model"] if tag in (hub_tags(r) or []))[0]
            rel = [t.split(":")[1] for t in hub_tags(child)
                   if t.startswith("base_model:") and t.endswith(":" + base) and t.count(":") >= 2]
            info = api.model_info(child, expand=["baseModels"])
            got = info.base_models or {}
            check(f"model_info({child}, expand=['baseModels'])",
                  base in [m.get("id") for m in got.get("models", [])]
                  and got.get("relation") == (rel[0] if rel else None), str(got))
            if base not in every("model"):
                continue
            want = sum(1 for r in every("model") if tag in (hub_tags(r) or []))
            info = api.model_info(base, expand=["childrenModelCount"])
            check(f"model_info({base}, expand=['childrenModelCount'])",
                  isinstance(info.children_model_count, int) and info.children_model_count >= want,
                  f"{info.children_model_count} vs at least {want}")


total = passed + len(failed)
print(f"huggingface_hub {hf.__version__} against {HUB}: {passed} of {total} checks passed")
sys.exit(1 if failed else 0)
