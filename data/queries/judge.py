#!/usr/bin/env python3
"""Builds data/queries/judgments.tsv from the real cards (see README.md in this directory).

Every query has a grading rule written after reading the candidate cards that the helpers
below find in the card text and front matter (never cardex's results). Grades: 3 exactly what
the query asks for, 2 highly relevant, 1 related, 0 (not written) not relevant.

    python3 data/queries/judge.py data/cards > data/queries/judgments.tsv
    python3 data/queries/judge.py data/cards --show QID   # review one query
"""
import json, os, re, sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import datafiles  # noqa: E402  (scripts/datafiles.py: the zstd-compressed data files)


def load(cards_dir):
    out = []
    for f in ("models.jsonl", "datasets.jsonl"):
        for line in datafiles.open_text(f"{cards_dir}/{f}"):
            r = json.loads(line)
            md = r.get("readme") or ""
            fm, body = {}, md
            m = re.match(r"^---\s*\n(.*?)\n---\s*\n?(.*)$", md, re.S)
            if m:
                try:
                    fm = yaml.safe_load(m.group(1)) or {}
                except Exception:
                    fm = {}
                if not isinstance(fm, dict):
                    fm = {}
                body = m.group(2)
            title = next((l.lstrip("#").strip() for l in body.splitlines() if l.startswith("#")), "")

            def lst(v):
                if v is None:
                    return []
                return [str(x) for x in v] if isinstance(v, list) else [str(v)]

            langs = [x.lower() for x in lst(fm.get("language") or fm.get("languages"))]
            # PyYAML reads an unquoted `no` as False: that is Norwegian.
            langs = ["no" if x == "false" else x for x in langs]
            tasks = set(lst(fm.get("task_categories")) + lst(fm.get("task_ids")) +
                        lst(fm.get("pipeline_tag")) + lst(r.get("api_pipeline_tag")))
            tags = [t.lower() for t in lst(fm.get("tags"))]
            lic = fm.get("license")
            lic = " ".join(lst(lic)).lower()
            # The card's name: its id and title (tags are too noisy: merges list dozens).
            head = (r["id"] + " " + title).lower()
            out.append(dict(key=f"{r['type']}/{r['id']}", id=r["id"], type=r["type"],
                            thin=len(body.strip()) < 300,
                            dl=r.get("downloads") or 0, title=title, lang=langs, tasks=tasks,
                            tags=tags, lic=lic, head=head,
                            text=(head + " " + " ".join(tags) + " " + body).lower()))
    return out


# --- helpers over one card ------------------------------------------------------------------
def lang(c, *codes):
    """2: the card is about this language (at most 3 listed); 1: one of many; 0: no."""
    hit = [l for l in c["lang"] if l in codes]
    if not hit:
        return 0
    return 2 if len(c["lang"]) <= 3 else 1


def task(c, *needles):
    return any(n in t for t in c["tasks"] for n in needles)


def has(c, *words):
    return all(w in c["text"] for w in words)


def inhead(c, *words):
    return all(w in c["head"] for w in words)


def rx(c, pattern):
    return re.search(pattern, c["text"]) is not None


# --- grading rules --------------------------------------------------------------------------
NER = ("named-entity", "token-classification")
SENT = ("sentiment",)
SUMM = ("summarization",)
ASR = ("automatic-speech-recognition",)
QA = ("question-answering", "extractive-qa", "open-domain-qa")
TRANSL = ("translation",)


def lang_task(codes, names, tasks, words):
    """A language + task query: the language in metadata (or the language's name in the id,
    title or tags) and the task in metadata (or one of `words` in the id, title or tags)."""
    def g(c):
        l = lang(c, *codes)
        if not l and any(n in c["head"] for n in names):
            l = 2
        t = task(c, *tasks) or any(re.search(r"\b" + w, c["head"]) for w in words)
        if l == 2 and t:
            return 3
        if l == 1 and t:
            return 2
        if l == 2:
            return 1
        return 0
    return g


def known(target, *others):
    """Known-item: the card itself 3; listed near-duplicates (quantizations, copies) 2 or 1."""
    def g(c):
        if c["key"] == target:
            return 3
        for k, grade in others:
            if re.fullmatch(k, c["key"]):
                return grade
        return 0
    return g


QUERIES = [
    # known item: a card's name, id or paraphrased title
    ("k01", "known", "kokoro", known("model/hexgrad/Kokoro-82M")),
    ("k02", "known", "deepseek r1", known("model/deepseek-ai/DeepSeek-R1",
        (r"model/(unsloth|opensourcerelease)/DeepSeek-R1(-bf16|-BF16)?", 2),
        (r"model/nvidia/DeepSeek-R1-FP4", 2), (r"model/.*DeepSeek-R1-Distill.*", 1))),
    ("k03", "known", "gsm8k", known("dataset/openai/gsm8k", (r"dataset/gsm8k", 3),
        (r"dataset/.*gsm8k.*", 1))),
    ("k04", "known", "legal bert", known("model/nlpaueb/legal-bert-base-uncased")),
    ("k05", "known", "stable video diffusion", known(
        "model/stabilityai/stable-video-diffusion-img2vid-xt")),
    ("k06", "known", "phi-2", known("model/microsoft/phi-2", (r"model/.*phi-2.*", 1))),
    ("k07", "known", "llama 2 7b chat", known("model/meta-llama/Llama-2-7b-chat-hf",
        (r"model/TheBloke/Llama-2-7B-Chat-GGML", 2), (r"model/FriendliAI/Llama-2-7b-chat-hf-fp8", 2))),
    ("k08", "known", "the cauldron", known("dataset/HuggingFaceM4/the_cauldron")),
    ("k09", "known", "cosmopedia", known("dataset/HuggingFaceTB/cosmopedia",
        (r"dataset/.*[cC]osmopedia.*", 1))),
    ("k10", "known", "robeczech", known("model/ufal/robeczech-base")),
    ("k11", "known", "esg bert", known("model/nbroad/ESG-BERT")),
    ("k12", "known", "scienceqa", known("dataset/derek-thomas/ScienceQA")),
    ("k13", "known", "audioset", known("dataset/agkphysics/AudioSet")),
    ("k14", "known", "kobart base v2", known("model/gogamza/kobart-base-v2")),
    ("k15", "known", "openjourney", known("model/prompthero/openjourney")),
    ("k16", "known", "unixcoder", known("model/microsoft/unixcoder-base")),
    ("k17", "known", "metamathqa", known("dataset/meta-math/MetaMathQA")),
    ("k18", "known", "stable diffusion safety checker", known(
        "model/CompVis/stable-diffusion-safety-checker")),
    ("k19", "known", "czech roberta", known("model/ufal/robeczech-base")),
    ("k20", "known", "norwegian named entities norne", known("dataset/norne",
        (r"dataset/norwegian_ner", 1))),
    ("k21", "known", "allocine movie reviews", known("dataset/allocine")),
    ("k22", "known", "chemberta", known("model/DeepChem/ChemBERTa-10M-MTR",
        (r"model/seyonec/ChemBERTa-zinc-base-v1", 3), (r"model/.*ChemBERTa.*", 2))),
    ("k23", "known", "bart large samsum", known("model/linydub/bart-large-samsum")),
    ("k24", "known", "janus pro", known("model/deepseek-ai/Janus-Pro-7B")),
    ("k25", "known", "simcse roberta large", known("model/princeton-nlp/sup-simcse-roberta-large",
        (r"model/princeton-nlp/.*simcse.*", 1))),
    # topical
    ("t01", "topical", "speech recognition whisper", lambda c:
        3 if inhead(c, "whisper") and (task(c, *ASR) or has(c, "speech recognition")) else
        2 if inhead(c, "whisper") else
        1 if task(c, *ASR) else 0),
    ("t02", "topical", "legal documents dataset", lambda c:
        0 if c["type"] != "dataset" else
        3 if re.search(r"legal|\blaw|court|contract|eurlex|ecthr|cuad|casehold|statut", c["head"]) else
        2 if rx(c, r"legal (documents?|texts?|domain|cases?|contracts?|opinions?)") else 0),
    ("t03", "topical", "chemistry language model molecules", lambda c:
        0 if c["type"] != "model" else
        3 if re.search(r"chem|molecul|smiles|\bmol\b", c["head"]) else
        2 if len(re.findall(r"\bmolecul|\bchemi", c["text"])) >= 5 else 0),
    ("t04", "topical", "math word problems", lambda c:
        3 if c["type"] == "dataset" and (has(c, "math word problem") or has(c, "grade school math")) else
        2 if c["type"] == "dataset" and rx(c, r"\bmath") and c["text"].count("math") >= 5 else
        1 if rx(c, r"\bmath") and c["text"].count("math") >= 5 else 0),
    ("t05", "topical", "text to speech", lambda c:
        3 if c["type"] == "model" and (task(c, "text-to-speech") or re.search(r"\btts\b|text-to-speech", c["head"])) else
        1 if has(c, "text-to-speech") or has(c, "text to speech") else 0),
    ("t06", "topical", "sentence embeddings", lambda c:
        3 if c["type"] == "model" and (task(c, "sentence-similarity", "feature-extraction") or inhead(c, "sentence-transformers")) and rx(c, r"embedding") else
        2 if c["type"] == "model" and rx(c, r"sentence[- ]embedding") else
        1 if rx(c, r"sentence[- ]embedding") else 0),
    ("t07", "topical", "image classification", lambda c:
        3 if task(c, "image-classification") else 1 if has(c, "image classification") else 0),
    ("t08", "topical", "object detection", lambda c:
        3 if task(c, "object-detection") else
        2 if inhead(c, "detection") or inhead(c, "yolo") or inhead(c, "detr") else
        1 if has(c, "object detection") else 0),
    ("t09", "topical", "dialogue summarization", lambda c:
        3 if re.search(r"samsum|dialog|meeting|conversation", c["head"]) and (task(c, *SUMM) or re.search(r"summ", c["head"])) else
        2 if task(c, *SUMM) and len(re.findall(r"dialog|conversation", c["text"])) >= 3 else
        1 if task(c, *SUMM) else 0),
    ("t10", "topical", "medical question answering", lambda c:
        3 if re.search(r"medic|clinic|health|covid|pubmed|\bmed", c["head"]) and (task(c, *QA) or re.search(r"qa|question", c["head"])) else
        2 if re.search(r"medic|clinic|health|covid|pubmed|\bmed", c["head"]) and rx(c, r"question") else
        1 if rx(c, r"\bmedical\b") and rx(c, r"question answering|\bqa\b") else 0),
    ("t11", "topical", "instruction tuning dataset", lambda c:
        0 if c["type"] != "dataset" else
        3 if rx(c, r"instruction[- ]tun|instruction[- ]following|sft\b") else
        1 if rx(c, r"\binstructions?\b") else 0),
    ("t12", "topical", "table question answering", lambda c:
        3 if task(c, "table-question-answering") else
        2 if rx(c, r"tabular|tables?\b") and task(c, *QA) else 0),
    ("t13", "topical", "text to image diffusion", lambda c:
        3 if task(c, "text-to-image") and rx(c, r"diffusion") else
        2 if task(c, "text-to-image") else
        1 if c["type"] == "model" and has(c, "stable diffusion") else 0),
    ("t14", "topical", "code generation", lambda c:
        3 if re.search(r"\bcode|coder\b|codegen|program", c["head"]) and rx(c, r"code generation|generat\w* code|program synthesis") else
        2 if re.search(r"\bcode|coder\b|codegen", c["head"]) else
        1 if rx(c, r"code generation|program synthesis") else 0),
    ("t15", "topical", "english german translation", lambda c:
        3 if task(c, *TRANSL) and lang(c, "de") == 2 and lang(c, "en") else
        3 if rx(c, r"\ben[-_]de\b|\bde[-_]en\b|english[- ]german|german[- ]english") and task(c, *TRANSL) else
        2 if task(c, *TRANSL) and lang(c, "de") else
        1 if task(c, *TRANSL) else 0),
    ("t16", "topical", "protein language model", lambda c:
        3 if c["type"] == "model" and rx(c, r"protein") and c["text"].count("protein") >= 3 else
        1 if rx(c, r"protein") and c["text"].count("protein") >= 3 else 0),
    ("t17", "topical", "hate speech detection", lambda c:
        3 if re.search(r"\bhate|offensive|\btoxic|abusive", c["head"]) else
        1 if len(re.findall(r"hate[- ]speech|offensive", c["text"])) >= 3 else 0),
    ("t18", "topical", "natural language inference", lambda c:
        3 if task(c, "natural-language-inference") or inhead(c, "nli") or inhead(c, "mnli") else
        1 if rx(c, r"natural language inference|entailment") else 0),
    ("t19", "topical", "gguf quantized llama", lambda c:
        3 if inhead(c, "gguf") and rx(c, r"llama") else
        1 if inhead(c, "gguf") or inhead(c, "ggml") else 0),
    ("t20", "topical", "financial sentiment", lambda c:
        3 if re.search(r"financ|finbert|phrasebank|fiqa", c["head"]) and rx(c, r"sentiment") else
        1 if rx(c, r"financ") and rx(c, r"sentiment") else 0),
    # language + task
    ("l01", "language", "norwegian ner", lang_task(("no", "nb", "nn"), ("norwegian", "norsk"), NER, ("ner",))),
    ("l02", "language", "german summarization apache", lambda c:
        (lambda g: min(3, g + (1 if g and "apache" in c["lic"] else 0)) if g < 3 else 3 if "apache" in c["lic"] else 2)(
        lang_task(("de",), ("german",), SUMM, ("summariz",))(c))),
    ("l03", "language", "french sentiment", lang_task(("fr",), ("french",), SENT, ("sentiment",))),
    ("l04", "language", "bokmål", lambda c: 3 if lang(c, "nb", "no", "nn") == 2 else
        1 if lang(c, "nb", "no", "nn") else 0),
    ("l05", "language", "arabic speech recognition", lang_task(("ar",), ("arabic",), ASR, ("asr", "speech"))),
    ("l06", "language", "korean language model", lambda c:
        0 if c["type"] != "model" else 3 if lang(c, "ko") == 2 else 1 if lang(c, "ko") else 0),
    ("l07", "language", "danish sentiment", lang_task(("da",), ("danish",), SENT, ("sentiment", "tone"))),
    ("l08", "language", "spanish question answering", lang_task(("es",), ("spanish",), QA, ("squad", " qa"))),
    ("l09", "language", "chinese ner", lang_task(("zh",), ("chinese",), NER, ("ner",))),
    ("l10", "language", "russian sentiment", lang_task(("ru",), ("russian",), SENT, ("sentiment",))),
    ("l11", "language", "czech", lambda c: 3 if lang(c, "cs") == 2 else 1 if lang(c, "cs") else 0),
    ("l12", "language", "turkish ner", lang_task(("tr",), ("turkish",), NER, ("ner",))),
    ("l13", "language", "portuguese ner", lang_task(("pt",), ("portuguese", "brazil"), NER, ("ner",))),
    ("l14", "language", "japanese llm", lambda c:
        0 if c["type"] != "model" else
        3 if lang(c, "ja") == 2 and (task(c, "text-generation") or rx(c, r"llama|gpt|mistral|llm|swallow|gemma|qwen")) else
        2 if lang(c, "ja") == 2 else 1 if lang(c, "ja") else 0),
    ("l15", "language", "german ner", lang_task(("de",), ("german",), NER, ("ner", "germeval"))),
    ("l16", "language", "hindi speech recognition", lang_task(("hi",), ("hindi",), ASR, ("asr", "whisper", "speech"))),
    ("l17", "language", "dutch", lambda c: 3 if lang(c, "nl") == 2 else 1 if lang(c, "nl") else 0),
    ("l18", "language", "vietnamese text generation", lang_task(("vi",), ("vietnamese",), ("text-generation",), ("llm", "gpt", "chat"))),
    ("l19", "language", "afrikaans named entity recognition", lang_task(("af",), ("afrikaans",), NER, ("ner",))),
    ("l20", "language", "mit license english text classification", lambda c:
        (lambda g: g if g == 0 else min(3, g + (1 if c["lic"].strip() == "mit" else -1)))(
        lang_task(("en",), ("english",), ("text-classification",), ())(c))),
    ("l21", "language", "spanish translation", lang_task(("es",), ("spanish",), TRANSL, ("translat",))),
    ("l22", "language", "indonesian", lambda c: 3 if lang(c, "id") == 2 else 1 if lang(c, "id") else 0),
    ("l23", "language", "swedish", lambda c: 3 if lang(c, "sv") == 2 else 1 if lang(c, "sv") else 0),
    # organisation
    ("o01", "org", "deepseek", lambda c:
        3 if c["id"].startswith("deepseek-ai/") else 2 if inhead(c, "deepseek") else 0),
    ("o02", "org", "stabilityai", lambda c:
        3 if c["id"].startswith("stabilityai/") else 1 if has(c, "stabilityai/") else 0),
    ("o03", "org", "google gemma", lambda c:
        3 if c["id"].startswith("google/gemma") else 1 if inhead(c, "gemma") else 0),
    ("o04", "org", "princeton nlp", lambda c:
        3 if c["id"].startswith("princeton-nlp/") else 0),
    ("o05", "org", "bigscience", lambda c:
        3 if c["id"].startswith("bigscience/") else 1 if inhead(c, "bloom") or inhead(c, "bigscience") else 0),
    ("o06", "org", "allenai datasets", lambda c:
        3 if c["id"].startswith("allenai/") and c["type"] == "dataset" else
        2 if c["id"].startswith("allenai/") else 0),
    ("o07", "org", "microsoft", lambda c:
        3 if c["id"].startswith("microsoft/") else 0),
    ("o08", "org", "eleutherai", lambda c:
        3 if c["id"].startswith("EleutherAI/") else 1 if has(c, "eleutherai") and c["text"].count("eleutherai") >= 2 else 0),
]


def main():
    cards = load(sys.argv[1])
    show = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--show" else None
    if not show:
        print("#qid\tclass\tquery\tcard\tgrade")
        print("# Generated by data/queries/judge.py from the real cards; see README.md.")
    for qid, cls, text, grade in QUERIES:
        # A card with (almost) no text is at most "related", whatever its metadata says.
        graded = [(min(grade(c), 1 if c["thin"] else 3), c) for c in cards]
        graded = [(g, c) for g, c in graded if g > 0]
        graded.sort(key=lambda gc: (-gc[0], -gc[1]["dl"], gc[1]["key"]))
        if show and qid != show and show != "all":
            continue
        if show:
            print(f"== {qid} [{cls}] {text}: {len(graded)} judged "
                  f"({sum(1 for g, _ in graded if g == 3)} at 3)")
            for g, c in graded[:40]:
                print(f"  {g} {c['key']:<62} L={','.join(c['lang'][:4])} {c['title'][:50]}")
            continue
        assert graded, f"{qid}: no relevant card"
        for g, c in graded:
            print(f"{qid}\t{cls}\t{text}\t{c['key']}\t{g}")


if __name__ == "__main__":
    main()
